/** Block Kit action ids and view callback ids: the card, the modals, the listeners and the manifest agree on these. */
export const SLACK_IDS = {
  approve: 'airlock_approve',
  reject: 'airlock_reject',
  edit: 'airlock_edit',
  openTemporal: 'airlock_open_temporal',
  rejectView: 'airlock_reject_view',
  editView: 'airlock_edit_view',
  reasonBlock: 'reason',
  reasonInput: 'reason_input',
  parametersBlock: 'parameters',
  parametersInput: 'parameters_input',
  recordsBlock: 'records',
  recordsInput: 'records_input',
  amountBlock: 'amount',
  amountInput: 'amount_input',
  usersBlock: 'users',
  usersInput: 'users_input',
} as const;
