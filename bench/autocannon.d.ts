// The part of autocannon's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface Options { url: string; connections?: number; duration?: number; headers?: Record<string, string> }
  interface Result {
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
