/**
 * A named model whose files are not (all) in the model directory. Loaders throw it instead of a
 * file-system error so callers can tell the user the one command that fixes it.
 */
export class ModelNotInstalledError extends Error {
  override readonly name = 'ModelNotInstalledError';
  readonly model: string;
  /** Repository-relative paths that were looked for and not found. */
  readonly missingFiles: readonly string[];

  constructor(model: string, missingFiles: readonly string[] = []) {
    super(`model ${model} not installed; run \`mediasearch models pull ${model}\``);
    this.model = model;
    this.missingFiles = missingFiles;
  }
}
