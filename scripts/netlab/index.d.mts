/** Types of ./index.mjs: test hosts as Linux network namespaces (see there). */
export declare const PREFIX: string
export declare const SUBNET: string
export declare const MAX_HOSTS: number
export declare const HOST_DEVICE: string

export interface Host {
  readonly index: number
  /** The host's network namespace. */
  readonly namespace: string
  /** Its address on the lab's bridge (10.77.0.<index+1>). */
  readonly address: string
  /** Its link's port on the bridge (inside the bridge's namespace). */
  readonly port: string
  /** The cap on its link in Mbit/s, each way; undefined for none. */
  readonly mbit: number | undefined
}

export declare class Lab {
  readonly stem: string
  readonly bridge: string
  readonly hosts: readonly Host[]
  names (): string[]
  host (i: number): Host
  execArgs (i: number, command: string, args?: readonly string[]): string[]
  setRate (i: number, mbit: number | undefined): Promise<void>
  cut (i: number): Promise<void>
  restore (i: number): Promise<void>
  txBytes (i: number): Promise<number>
  destroy (): Promise<void>
}

export declare function cleanStale (): Promise<string[]>
export declare function unavailable (): Promise<string | undefined>
export declare function createLab (init: { hosts: number, mbit?: number }): Promise<Lab>
