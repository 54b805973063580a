import type DataLoader from 'dataloader';
import type { RequestContext } from '../../platform/subgraph.js';
import type { AccountService } from './services/accounts.js';
import type { User } from './entities.js';

export interface UserContext extends RequestContext {
  accounts: AccountService;
  loaders: { userById: DataLoader<string, User | null> };
  /** Set by signUp/logIn: the caller has just proven to be this user in this request. */
  signedInUserId?: string;
}
