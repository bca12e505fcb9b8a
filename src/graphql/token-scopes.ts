import { GraphQLError } from 'graphql';
import type { AuthChecker } from 'type-graphql';
import type { TokenScope } from '../config.js';
import type { Context } from './context.type.js';
import { ErrorCode } from './error-codes.js';

/** What a resolver can demand with `@Authorized(Permission.…)`. */
export enum Permission {
  /** Changes calls: every mutation. */
  WRITE = 'write',
}

const GRANTED: Record<TokenScope, readonly Permission[]> = {
  all: [Permission.WRITE],
  read: [],
};

/**
 * type-graphql's `authChecker`: grants a field when the caller's token scope covers every
 * permission the field's `@Authorized` asks for. The transport has already authenticated the
 * caller, so this only decides what the caller may do.
 *
 * It throws instead of returning false, because type-graphql's own refusal carries the code
 * `UNAUTHORIZED` and a message that does not say what to change.
 */
export const tokenScopeAuthChecker: AuthChecker<Context, Permission> = ({ context }, required) => {
  const granted = GRANTED[context.caller.scope];
  if (required.every((permission) => granted.includes(permission))) return true;
  throw new GraphQLError('This API token is read-only: changing calls needs a token with scope all', {
    extensions: { code: ErrorCode.FORBIDDEN },
  });
};
