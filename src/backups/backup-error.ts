/** A backup or restore that could not be done, in words the operator can act on. */
export class BackupError extends Error {}
