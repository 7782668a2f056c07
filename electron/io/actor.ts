/** Who the audit log names for operator steps. */
import { userInfo } from 'node:os';

/** The default audit actor: the OS user name (`operator` when the system cannot say). */
export const defaultActor = (): string => {
  try {
    return userInfo().username;
  } catch {
    return 'operator';
  }
};
