// One option of a typed choice (ChoiceButtons, ChoiceChecks, ChoiceSelect, ChoiceSelectMany).
export interface Choice<T extends string | number | boolean> {
  value: T
  label: string
  /** data-test attribute of the option, for the browser tests */
  test?: string
}
