import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { ProductRef as ProductRefModel, InventoryLevel as InventoryLevelModel } from '../entities.js';
import type { InventoryContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in time, as an ISO 8601 string in UTC. */
  DateTime: { input: string; output: Date | string; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** A change to a product's units on hand. */
export type AdjustStockInput = {
  /** Units to add (positive) or remove (negative); non-zero, at most 1,000,000 either way. */
  delta: Scalars['Int']['input'];
  /** The product whose stock changes. */
  productId: Scalars['ID']['input'];
};

/** The outcome of adjusting stock: the product with its new levels, or user errors. */
export type AdjustStockPayload = {
  __typename?: 'AdjustStockPayload';
  /** The product, with its inventory after the change; null when refused. */
  product?: Maybe<Product>;
  /** Why nothing changed, when the adjustment was refused. */
  userErrors: Array<UserError>;
};

/**
 * Stock of one product. Reservations hold units for orders that are placed but
 * not yet confirmed or cancelled, so `available` is what can still be sold.
 */
export type Inventory = {
  __typename?: 'Inventory';
  /** Units that can still be ordered: onHand - reserved, never negative. */
  available: Scalars['Int']['output'];
  /** Whether at least one unit can be ordered (available > 0). */
  inStock: Scalars['Boolean']['output'];
  /** Units physically in the warehouse, reserved ones included. */
  onHand: Scalars['Int']['output'];
  /** Units held for orders that are not yet confirmed or cancelled. */
  reserved: Scalars['Int']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Books units into or out of the warehouse (a delivery, a count correction, a
   * write-off). Admins only. Refused when onHand would fall below the units
   * reserved for open orders: those are promised to customers.
   */
  adjustStock: AdjustStockPayload;
};


export type MutationAdjustStockArgs = {
  input: AdjustStockInput;
};

/**
 * A catalogue product. The product subgraph owns it; this subgraph adds what the
 * warehouse knows about it, so a client reads price and availability in one query.
 */
export type Product = {
  __typename?: 'Product';
  /** The product's id, as the product subgraph issued it. */
  id: Scalars['ID']['output'];
  /**
   * Stock levels right now; all zeros for a product that never had stock. Null
   * (with a SUBGRAPH_UNAVAILABLE error) only while the inventory service cannot
   * be reached, so a product page still shows everything else.
   */
  inventory?: Maybe<Inventory>;
};

/**
 * An expected failure of a mutation, returned as data: a stable code clients can
 * branch on, the path of the input field it concerns, and a message for people.
 */
export type UserError = {
  __typename?: 'UserError';
  /** Stable, machine-readable reason. */
  code: UserErrorCode;
  /** Path of the offending input field, e.g. ["input", "email"]; null when no single field is at fault. */
  field?: Maybe<Array<Scalars['String']['output']>>;
  /** Human-readable explanation; may change, do not parse it. */
  message: Scalars['String']['output'];
};

/** The reasons a mutation can refuse its input. */
export type UserErrorCode =
  /** Another product already uses this SKU. */
  | 'DUPLICATE_SKU'
  /** An account with this email already exists. */
  | 'EMAIL_TAKEN'
  /** Email and password do not match an account. */
  | 'INVALID_CREDENTIALS'
  /** The object is not in a state that allows this change. */
  | 'INVALID_STATE'
  /** The refresh token is unknown, expired, already used or revoked. */
  | 'INVALID_TOKEN'
  /** Something the input names does not exist. */
  | 'NOT_FOUND'
  /** A product is unknown or archived and cannot be ordered. */
  | 'PRODUCT_UNAVAILABLE'
  /** The input breaks a rule (length, format, range). */
  | 'VALIDATION';

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Product: Product;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Product:
    ( { __typename: 'Product' }
    & GraphQLRecursivePick<FederationTypes['Product'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  AdjustStockInput: AdjustStockInput;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  AdjustStockPayload: ResolverTypeWrapper<Omit<AdjustStockPayload, 'product'> & { product?: Maybe<ResolversTypes['Product']> }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Inventory: ResolverTypeWrapper<InventoryLevelModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Product: ResolverTypeWrapper<ProductRefModel>;
  UserError: ResolverTypeWrapper<UserError>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  UserErrorCode: UserErrorCode;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  AdjustStockInput: AdjustStockInput;
  Int: Scalars['Int']['output'];
  ID: Scalars['ID']['output'];
  AdjustStockPayload: Omit<AdjustStockPayload, 'product'> & { product?: Maybe<ResolversParentTypes['Product']> };
  DateTime: Scalars['DateTime']['output'];
  Inventory: InventoryLevelModel;
  Boolean: Scalars['Boolean']['output'];
  Mutation: Record<PropertyKey, never>;
  Product: ProductRefModel;
  UserError: UserError;
  String: Scalars['String']['output'];
}>;

export type AdjustStockPayloadResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['AdjustStockPayload'] = ResolversParentTypes['AdjustStockPayload']> = ResolversObject<{
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type InventoryResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Inventory'] = ResolversParentTypes['Inventory']> = ResolversObject<{
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  inStock?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  onHand?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reserved?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  adjustStock?: Resolver<ResolversTypes['AdjustStockPayload'], ParentType, ContextType, RequireFields<MutationAdjustStockArgs, 'input'>>;
}>;

export type ProductResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product'], FederationReferenceType extends FederationReferenceTypes['Product'] = FederationReferenceTypes['Product']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Product']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  inventory?: Resolver<Maybe<ResolversTypes['Inventory']>, ParentType, ContextType>;
}>;

export type UserErrorResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['UserError'] = ResolversParentTypes['UserError']> = ResolversObject<{
  code?: Resolver<ResolversTypes['UserErrorCode'], ParentType, ContextType>;
  field?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = InventoryContext> = ResolversObject<{
  AdjustStockPayload?: AdjustStockPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Inventory?: InventoryResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  UserError?: UserErrorResolvers<ContextType>;
}>;

