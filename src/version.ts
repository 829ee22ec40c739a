/** Recorded in manifests as the writer; kept in step with package.json by a unit test. */
export const ToolVersion = 'bucket-cache/1.0.0';
