/**
 * What resolvers hand on for entities other subgraphs own: just the key, the
 * gateway fetches the rest from the owner.
 */
export interface UserRef {
  id: string;
}

export interface ProductRef {
  id: string;
}

/** An order's shipping address, assembled from the order's columns. */
export interface AddressModel {
  line1: string;
  city: string;
  postalCode: string;
  country: string;
}
