/** A failure meant for a person: what happened and what to do next. Printed without a stack. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly detail: string[] = [],
  ) {
    super(message);
  }
}
