// Prints one plain closing line, "tests: N passed, N failed, N skipped", after jest's own
// summary, so any CI log reader can count results without knowing jest's format.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failedSuites = results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `tests: ${results.numPassedTests} passed, ${results.numFailedTests + failedSuites} failed, ${skipped} skipped\n`,
    );
  }
}
