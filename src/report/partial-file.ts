/**
 * Files written whole or not at all: the writer lives in core (src/core/whole-file.ts), as the
 * sweep's results folder and the neural forecasters' save, which may not import report, write
 * through it too. Re-exported here for the `--events` writer (events.ts).
 */
export { PartialFile, type PartialFileOptions, writeFailure, writeFileWhole } from '../core/whole-file.js';
