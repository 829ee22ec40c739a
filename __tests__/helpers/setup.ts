// Keep `::command::` lines written by @actions/core out of test output noise and make sure no
// test can reach a real cloud endpoint by accident: SDK credential chains and region lookups
// stay local.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_PROFILE;
delete process.env.AWS_ACCESS_KEY_ID;
delete process.env.AWS_SECRET_ACCESS_KEY;
delete process.env.AWS_SESSION_TOKEN;

// @actions/core writes workflow commands (::debug::, ::add-mask::) straight to stdout; keep them
// out of test logs unless asked for (BUCKET_CACHE_TEST_VERBOSE=1). Tests that need them run
// bundles in child processes and read their output there.
if (!process.env.BUCKET_CACHE_TEST_VERBOSE) {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('::')) return true;
    return write(chunk, ...rest);
  };
}
