/** The three operations every fdrtd 0.2.0 server offers, whatever carries them. */

export interface MicroserviceDescription {
  readonly identifiers: Readonly<Record<string, string>>
  readonly public: readonly string[]
}

/** What a function call returned: nothing, a value, or a handle to a server-side object. */
export type CallResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'value', readonly value: unknown }
  | { readonly kind: 'handle', readonly handle: string, readonly callback: unknown }

export interface CallOptions { readonly signal?: AbortSignal }

export interface FdrtdInterface {
  listMicroservices: (options?: CallOptions) => Promise<MicroserviceDescription[]>
  /** @returns the handle of the selected microservice */
  selectMicroservice: (identifiers: Record<string, string>, options?: CallOptions) => Promise<string>
  call: (handle: string, fn: string, parameters: Record<string, unknown>, callback: unknown, options?: CallOptions) => Promise<CallResult>
}
