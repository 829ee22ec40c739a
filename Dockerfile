# The image for the Harness and Drone Plugin step: the CLI bundle on Node 24. The step passes its
# settings as PLUGIN_* variables and no arguments; the CLI then reads drone-cache's settings and
# restores (restore: true) or saves (rebuild: true). Built and pushed by the release workflow.
FROM node:24-alpine
# GNU tar (busybox tar lacks --posix, --null and -T as the archives need them), zstd; gzip is busybox's.
RUN apk add --no-cache tar zstd
COPY LICENSE /opt/bucket-cache/LICENSE
COPY dist/cli /opt/bucket-cache
# No WORKDIR: Drone and Harness start the step in the workspace they mount.
ENTRYPOINT ["node", "/opt/bucket-cache/index.js"]
