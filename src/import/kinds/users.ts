// Users: columns name, email (createUser's CreateUserInput); the email is the
// unique key --on-conflict applies to, and an update changes the name.
import { validateCreateUser, type CreateUserValues } from '../../users/create-user.ts';
import { emailTakenError } from '../../users/user.repository.ts';
import { text } from '../fields.ts';
import { insertUsersQuery, updateUsersQuery } from '../import.writes.ts';
import { matchKeys } from '../match-keys.ts';
import { planUpserts } from '../upsert-plan.ts';
import type { KindWriter } from './kind.ts';

export const usersKind: KindWriter<CreateUserValues> = {
  kind: 'users',
  spec: { columns: ['name', 'email'], required: ['name', 'email'] },
  prepare: (values) => validateCreateUser({ name: text(values, 'name'), email: text(values, 'email') }),
  async write(trx, rows, { onConflict }) {
    const matches = await matchKeys(trx, 'users.email', rows.map((row) => row.value.email));
    const plan = planUpserts(rows, matches, onConflict, (user) => emailTakenError(user.email), (first, last) => ({ ...last, email: first.email }));
    if (plan.inserts.length > 0) await trx.executeQuery(insertUsersQuery(plan.inserts));
    if (plan.updates.length > 0) await trx.executeQuery(updateUsersQuery(plan.updates));
    return plan.outcomes;
  },
};
