// Keep `::command::` lines written by @actions/core out of test output noise and make sure no
// test can reach a real cloud endpoint by accident: SDK credential chains and region lookups
// stay local.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_PROFILE;
delete process.env.AWS_ACCESS_KEY_ID;
delete process.env.AWS_SECRET_ACCESS_KEY;
delete process.env.AWS_SESSION_TOKEN;
