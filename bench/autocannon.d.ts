// The part of autocannon's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  /** One request of a sequence (each connection runs the sequence over and over, with its own context). */
  export interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
    /** Returns the request to send; a falsy value starts the sequence again. */
    setupRequest?: (req: Request, context: Record<string, unknown>) => Request | undefined
    onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void
  }
  export interface Options { url: string; connections?: number; duration?: number; headers?: Record<string, string>; requests?: Request[] }
  export interface Result {
    requests: { average: number }
    latency: { p99: number }
    errors: number
    timeouts: number
    '2xx': number
    '3xx': number
    '4xx': number
    '5xx': number
  }
  export default function autocannon(opts: Options): Promise<Result>
}
