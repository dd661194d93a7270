// #12 item 5: the generated fuzz test of every write operation, part 1 of 3 (see write-operations.ts).
import t from 'tap'
import { fuzzWriteOperations } from './write-operations.ts'

fuzzWriteOperations(t, 0, 3)
