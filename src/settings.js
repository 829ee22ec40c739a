/** Typed settings: produced only by inputs.ts (action) and cli/ (command line). */
export {};
