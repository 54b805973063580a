import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Order as OrderModel, OrderLine as OrderLineModel } from '../entities.js';
import type { UserRef as UserRefModel, ProductRef as ProductRefModel } from '../models.js';
import type { OrderContext } from '../context.js';
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

/** A postal address to ship an order to. */
export type Address = {
  __typename?: 'Address';
  /** City or town. */
  city: Scalars['String']['output'];
  /** ISO 3166-1 alpha-2 country code, e.g. DE. */
  country: Scalars['String']['output'];
  /** Street and number. */
  line1: Scalars['String']['output'];
  /** Postal or ZIP code. */
  postalCode: Scalars['String']['output'];
};

/** A shipping address. */
export type AddressInput = {
  /** City or town, 1 to 100 characters. */
  city: Scalars['String']['input'];
  /** ISO 3166-1 alpha-2 country code in capitals, e.g. DE. */
  country: Scalars['String']['input'];
  /** Street and number, 1 to 200 characters. */
  line1: Scalars['String']['input'];
  /** Postal or ZIP code, 1 to 20 characters. */
  postalCode: Scalars['String']['input'];
};

/** An exact amount of money: integer minor units (1999 = 19.99) and an ISO 4217 currency. */
export type Money = {
  __typename?: 'Money';
  /** Amount in minor units of the currency (cents for EUR/USD). */
  amount: Scalars['Int']['output'];
  /** ISO 4217 currency code, e.g. EUR. */
  currency: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Cancels an order of the caller (or any order, for admins) until it is shipped. */
  cancelOrder: OrderPayload;
  /** Marks a shipped order as received by the customer (admins only). */
  deliverOrder: OrderPayload;
  /**
   * Places an order for the signed-in customer at the catalogue's current prices.
   * It starts PENDING; stock and payment follow asynchronously. Repeating it with
   * the same idempotencyKey returns the same order and creates nothing.
   */
  placeOrder: PlaceOrderPayload;
  /** Marks a confirmed order as handed to the carrier (admins only). */
  shipOrder: OrderPayload;
};


export type MutationCancelOrderArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeliverOrderArgs = {
  id: Scalars['ID']['input'];
};


export type MutationPlaceOrderArgs = {
  input: PlaceOrderInput;
};


export type MutationShipOrderArgs = {
  id: Scalars['ID']['input'];
};

/**
 * A customer's purchase: the lines with the prices they were sold at, where to
 * ship them, and where the order is in its lifecycle. This subgraph owns orders;
 * the payment subgraph adds `payment` to it.
 */
export type Order = {
  __typename?: 'Order';
  /** When the order was placed. */
  createdAt: Scalars['DateTime']['output'];
  /** Who placed the order. */
  customer: User;
  /** Stable identifier (time-ordered), referenced by payments, reservations and events. */
  id: Scalars['ID']['output'];
  /** What was ordered, in the order the customer listed it. */
  items: Array<OrderItem>;
  /** Where the goods go. */
  shippingAddress: Address;
  /** Where the order is in its lifecycle; changes are driven by stock, payment and the back office. */
  status: OrderStatus;
  /** Why the order was cancelled; null unless status is CANCELLED. */
  statusReason?: Maybe<OrderStatusReason>;
  /** Sum of the line totals, in the currency of the lines. */
  total: Money;
  /** When the order last changed (the same instant as createdAt until it does). */
  updatedAt: Scalars['DateTime']['output'];
  /** Raised by one on every change, so clients and subscriptions can tell newer from older. */
  version: Scalars['Int']['output'];
};

/** A page of orders (Relay connection). */
export type OrderConnection = {
  __typename?: 'OrderConnection';
  /** The orders of this page with their cursors. */
  edges: Array<OrderEdge>;
  /** Whether there is more, and where to continue. */
  pageInfo: PageInfo;
  /** How many orders match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One order in a page, with the cursor to continue after it. */
export type OrderEdge = {
  __typename?: 'OrderEdge';
  /** Opaque cursor of this order, for `after`. */
  cursor: Scalars['String']['output'];
  /** The order. */
  node: Order;
};

/** Narrows the admin order list; every given field must match. */
export type OrderFilter = {
  /** Only orders of this customer. */
  customerId?: InputMaybe<Scalars['ID']['input']>;
  /** Only orders in this status. */
  status?: InputMaybe<OrderStatus>;
};

/**
 * One line of an order. The unit price is a snapshot taken from the catalogue
 * when the order was placed, so later price changes never alter a past order.
 */
export type OrderItem = {
  __typename?: 'OrderItem';
  /** unitPrice × quantity, exact in minor units. */
  lineTotal: Money;
  /** The product ordered; resolved by the product subgraph, even once it is archived. */
  product: Product;
  /** How many units were ordered (1 to 1000). */
  quantity: Scalars['Int']['output'];
  /** Price of one unit when the order was placed. */
  unitPrice: Money;
};

/** One line to order. */
export type OrderItemInput = {
  /** The product to order; it must exist and not be archived. */
  productId: Scalars['ID']['input'];
  /** How many units, 1 to 1000. */
  quantity: Scalars['Int']['input'];
};

/** The outcome of changing an order: the order as it is now, or why it was refused. */
export type OrderPayload = {
  __typename?: 'OrderPayload';
  /** The changed order; null when refused. */
  order?: Maybe<Order>;
  /** Why nothing happened, when something was refused. */
  userErrors: Array<UserError>;
};

/** Where an order is in its lifecycle. */
export type OrderStatus =
  /** Stock is reserved; waiting for the payment. */
  | 'AWAITING_PAYMENT'
  /** Will not be fulfilled; statusReason says why. */
  | 'CANCELLED'
  /** Paid and reserved; ready to ship. */
  | 'CONFIRMED'
  /** Received by the customer. */
  | 'DELIVERED'
  /** Placed; waiting for stock to be reserved. */
  | 'PENDING'
  /** Handed to the carrier. */
  | 'SHIPPED';

/** Why an order was cancelled. */
export type OrderStatusReason =
  /** The customer (or an admin on their behalf) cancelled it. */
  | 'CUSTOMER_CANCELLED'
  /** No reservation or payment within the order time-to-live. */
  | 'EXPIRED'
  /** Stock could not be reserved for every line. */
  | 'OUT_OF_STOCK'
  /** The payment was declined. */
  | 'PAYMENT_DECLINED';

/** Where a page ends and whether another follows. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last edge of this page; null on an empty page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Whether another page follows this one. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** What to order. Prices are never sent: they come from the catalogue. */
export type PlaceOrderInput = {
  /** Client-generated key (e.g. a UUID), 1 to 100 characters; a retry with the same key returns the same order. */
  idempotencyKey: Scalars['String']['input'];
  /** The lines, 1 to 50, each product at most once. */
  items: Array<OrderItemInput>;
  /** A payment-method token starting with pm_ (4 to 100 characters). */
  paymentMethod: Scalars['String']['input'];
  /** Where to ship the order. */
  shippingAddress: AddressInput;
};

/** The outcome of placing an order: the order, or why it was refused. */
export type PlaceOrderPayload = {
  __typename?: 'PlaceOrderPayload';
  /** The new (or, for a repeated idempotencyKey, the existing) order; null when refused. */
  order?: Maybe<Order>;
  /** Why nothing happened, when something was refused. */
  userErrors: Array<UserError>;
};

/** A product of the catalogue, owned by the product subgraph; orders only reference it. */
export type Product = {
  __typename?: 'Product';
  /** The product's identifier. */
  id: Scalars['ID']['output'];
};

export type Query = {
  __typename?: 'Query';
  /**
   * One order. Null when it does not exist; a FORBIDDEN error (and null) when the
   * caller is neither its customer nor an admin; UNAUTHENTICATED when signed out.
   */
  order?: Maybe<Order>;
  /** Every customer's orders, newest first, for the back office (admins only). */
  orders: OrderConnection;
};


export type QueryOrderArgs = {
  id: Scalars['ID']['input'];
};


export type QueryOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<OrderFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/**
 * Live order changes. The gateway serves these over WebSocket from the order
 * events; this subgraph only declares them so they are part of the supergraph.
 */
export type Subscription = {
  __typename?: 'Subscription';
  /** Every change of any order of the signed-in customer. */
  myOrderUpdates: Order;
  /**
   * The order as it is now (unless afterVersion is at least its version), then
   * every later version, until it is DELIVERED or CANCELLED. Same visibility as
   * Query.order.
   */
  orderUpdated: Order;
};


/**
 * Live order changes. The gateway serves these over WebSocket from the order
 * events; this subgraph only declares them so they are part of the supergraph.
 */
export type SubscriptionOrderUpdatedArgs = {
  afterVersion?: InputMaybe<Scalars['Int']['input']>;
  orderId: Scalars['ID']['input'];
};

/** A user account, owned by the user subgraph; this subgraph adds the user's orders. */
export type User = {
  __typename?: 'User';
  /** The user's identifier. */
  id: Scalars['ID']['output'];
  /** The user's orders, newest first. Visible to the user themself and to admins. */
  orders: OrderConnection;
};


/** A user account, owned by the user subgraph; this subgraph adds the user's orders. */
export type UserOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
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
  Order: Order;
  User: User;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Order:
    ( { __typename: 'Order' }
    & GraphQLRecursivePick<FederationTypes['Order'], {"id":true}> );
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Address: ResolverTypeWrapper<Address>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  AddressInput: AddressInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Money: ResolverTypeWrapper<Money>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Order: ResolverTypeWrapper<OrderModel>;
  OrderConnection: ResolverTypeWrapper<Omit<OrderConnection, 'edges'> & { edges: Array<ResolversTypes['OrderEdge']> }>;
  OrderEdge: ResolverTypeWrapper<Omit<OrderEdge, 'node'> & { node: ResolversTypes['Order'] }>;
  OrderFilter: OrderFilter;
  OrderItem: ResolverTypeWrapper<OrderLineModel>;
  OrderItemInput: OrderItemInput;
  OrderPayload: ResolverTypeWrapper<Omit<OrderPayload, 'order'> & { order?: Maybe<ResolversTypes['Order']> }>;
  OrderStatus: OrderStatus;
  OrderStatusReason: OrderStatusReason;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  PlaceOrderInput: PlaceOrderInput;
  PlaceOrderPayload: ResolverTypeWrapper<Omit<PlaceOrderPayload, 'order'> & { order?: Maybe<ResolversTypes['Order']> }>;
  Product: ResolverTypeWrapper<ProductRefModel>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  User: ResolverTypeWrapper<UserRefModel>;
  UserError: ResolverTypeWrapper<UserError>;
  UserErrorCode: UserErrorCode;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Address: Address;
  String: Scalars['String']['output'];
  AddressInput: AddressInput;
  DateTime: Scalars['DateTime']['output'];
  Money: Money;
  Int: Scalars['Int']['output'];
  Mutation: Record<PropertyKey, never>;
  ID: Scalars['ID']['output'];
  Order: OrderModel;
  OrderConnection: Omit<OrderConnection, 'edges'> & { edges: Array<ResolversParentTypes['OrderEdge']> };
  OrderEdge: Omit<OrderEdge, 'node'> & { node: ResolversParentTypes['Order'] };
  OrderFilter: OrderFilter;
  OrderItem: OrderLineModel;
  OrderItemInput: OrderItemInput;
  OrderPayload: Omit<OrderPayload, 'order'> & { order?: Maybe<ResolversParentTypes['Order']> };
  PageInfo: PageInfo;
  Boolean: Scalars['Boolean']['output'];
  PlaceOrderInput: PlaceOrderInput;
  PlaceOrderPayload: Omit<PlaceOrderPayload, 'order'> & { order?: Maybe<ResolversParentTypes['Order']> };
  Product: ProductRefModel;
  Query: Record<PropertyKey, never>;
  Subscription: Record<PropertyKey, never>;
  User: UserRefModel;
  UserError: UserError;
}>;

export type AddressResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Address'] = ResolversParentTypes['Address']> = ResolversObject<{
  city?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  country?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  line1?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  postalCode?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type MoneyResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Money'] = ResolversParentTypes['Money']> = ResolversObject<{
  amount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  cancelOrder?: Resolver<ResolversTypes['OrderPayload'], ParentType, ContextType, RequireFields<MutationCancelOrderArgs, 'id'>>;
  deliverOrder?: Resolver<ResolversTypes['OrderPayload'], ParentType, ContextType, RequireFields<MutationDeliverOrderArgs, 'id'>>;
  placeOrder?: Resolver<ResolversTypes['PlaceOrderPayload'], ParentType, ContextType, RequireFields<MutationPlaceOrderArgs, 'input'>>;
  shipOrder?: Resolver<ResolversTypes['OrderPayload'], ParentType, ContextType, RequireFields<MutationShipOrderArgs, 'id'>>;
}>;

export type OrderResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order'], FederationReferenceType extends FederationReferenceTypes['Order'] = FederationReferenceTypes['Order']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Order']> | FederationReferenceType, FederationReferenceType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  customer?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  items?: Resolver<Array<ResolversTypes['OrderItem']>, ParentType, ContextType>;
  shippingAddress?: Resolver<ResolversTypes['Address'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderStatus'], ParentType, ContextType>;
  statusReason?: Resolver<Maybe<ResolversTypes['OrderStatusReason']>, ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type OrderConnectionResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['OrderConnection'] = ResolversParentTypes['OrderConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['OrderEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type OrderEdgeResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['OrderEdge'] = ResolversParentTypes['OrderEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
}>;

export type OrderItemResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['OrderItem'] = ResolversParentTypes['OrderItem']> = ResolversObject<{
  lineTotal?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
  product?: Resolver<ResolversTypes['Product'], ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  unitPrice?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
}>;

export type OrderPayloadResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['OrderPayload'] = ResolversParentTypes['OrderPayload']> = ResolversObject<{
  order?: Resolver<Maybe<ResolversTypes['Order']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type PageInfoResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type PlaceOrderPayloadResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['PlaceOrderPayload'] = ResolversParentTypes['PlaceOrderPayload']> = ResolversObject<{
  order?: Resolver<Maybe<ResolversTypes['Order']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type ProductResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  order?: Resolver<Maybe<ResolversTypes['Order']>, ParentType, ContextType, RequireFields<QueryOrderArgs, 'id'>>;
  orders?: Resolver<ResolversTypes['OrderConnection'], ParentType, ContextType, RequireFields<QueryOrdersArgs, 'first'>>;
}>;

export type SubscriptionResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = ResolversObject<{
  myOrderUpdates?: SubscriptionResolver<ResolversTypes['Order'], "myOrderUpdates", ParentType, ContextType>;
  orderUpdated?: SubscriptionResolver<ResolversTypes['Order'], "orderUpdated", ParentType, ContextType, RequireFields<SubscriptionOrderUpdatedArgs, 'orderId'>>;
}>;

export type UserResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  orders?: Resolver<ResolversTypes['OrderConnection'], ParentType, ContextType, RequireFields<UserOrdersArgs, 'first'>>;
}>;

export type UserErrorResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['UserError'] = ResolversParentTypes['UserError']> = ResolversObject<{
  code?: Resolver<ResolversTypes['UserErrorCode'], ParentType, ContextType>;
  field?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = OrderContext> = ResolversObject<{
  Address?: AddressResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Money?: MoneyResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Order?: OrderResolvers<ContextType>;
  OrderConnection?: OrderConnectionResolvers<ContextType>;
  OrderEdge?: OrderEdgeResolvers<ContextType>;
  OrderItem?: OrderItemResolvers<ContextType>;
  OrderPayload?: OrderPayloadResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  PlaceOrderPayload?: PlaceOrderPayloadResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  UserError?: UserErrorResolvers<ContextType>;
}>;

