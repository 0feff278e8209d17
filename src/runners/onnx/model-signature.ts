// What an ONNX model takes and gives, read from its protobuf header: the graph's inputs and
// outputs, the opsets it imports, its IR version and producer. The file is walked field by
// field and the weights (nodes, initializers) are skipped over, never read, so a model of
// any size costs a few small reads. Anything that is not a well-formed ModelProto with a
// graph is refused.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import op from 'onnx-proto';

const { onnx } = op;

/** A graph input or output. */
export interface ValueSignature {
  name: string;
  /** A tensor's element type as onnxruntime names it (float32, int64...); other kinds spelled out. */
  elementType: string;
  /** One entry per dimension: a size, a symbolic name, or "?"; null when the rank is not declared. */
  shape: string[] | null;
}

export interface OpsetImport {
  /** "ai.onnx" for the default domain. */
  domain: string;
  version: number;
}

export interface ModelSignature {
  irVersion: number;
  /** The producer's name and version ("pytorch 2.3.0"); null when the model does not say. */
  producer: string | null;
  opsets: OpsetImport[];
  inputs: ValueSignature[];
  outputs: ValueSignature[];
}

/** The file is not an ONNX model (or not one this reader understands). */
export class NotOnnxError extends Error {
  override name = 'NotOnnxError';
}

/** TensorProto.DataType, in onnxruntime's spelling. */
const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  17: 'float8e4m3fn',
  18: 'float8e4m3fnuz',
  19: 'float8e5m2',
  20: 'float8e5m2fnuz',
  21: 'uint4',
  22: 'int4',
  23: 'float4e2m1',
};

/** The most bytes one small message (an input, an output, an opset) may take. */
const MAX_SMALL_MESSAGE = 1 << 20;
/** The most inputs, outputs or opsets a model may declare. */
const MAX_ENTRIES = 10_000;

/** Reads a file at any offset through a small window, so skipped fields are never read. */
class FileCursor {
  readonly size: number;
  #fd: number;
  #window = Buffer.alloc(64 * 1024);
  #windowStart = 0;
  #windowEnd = 0;

  constructor(fd: number) {
    this.#fd = fd;
    this.size = fstatSync(fd).size;
  }

  byte(at: number): number {
    if (at >= this.size) throw new NotOnnxError('it ends in the middle of a field');
    if (at < this.#windowStart || at >= this.#windowEnd) {
      this.#windowStart = at;
      this.#windowEnd = at + readSync(this.#fd, this.#window, 0, this.#window.length, at);
    }
    return this.#window[at - this.#windowStart]!;
  }

  bytes(start: number, end: number): Buffer {
    const out = Buffer.alloc(end - start);
    let done = 0;
    while (done < out.length) {
      const read = readSync(this.#fd, out, done, out.length - done, start + done);
      if (!read) throw new NotOnnxError('it ends in the middle of a field');
      done += read;
    }
    return out;
  }

  /** A varint at `at`: its value (exact up to 2^53) and where the next field starts. */
  varint(at: number): { value: number; next: number } {
    let value = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(at + i);
      value += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) return { value, next: at + i + 1 };
    }
    throw new NotOnnxError(`a varint at byte ${at} is longer than 10 bytes`);
  }
}

interface Field {
  number: number;
  /** A varint field's value. */
  value: number;
  /** Where a length-delimited field's bytes are. */
  start: number;
  end: number;
}

/** The fields of the message between `start` and `end`, in order. */
function* fields(file: FileCursor, start: number, end: number): Generator<Field> {
  let at = start;
  while (at < end) {
    const key = file.varint(at);
    const number = Math.floor(key.value / 8);
    const wireType = key.value % 8;
    if (number < 1) throw new NotOnnxError(`field number 0 at byte ${at}`);
    at = key.next;
    let field: Field;
    if (wireType === 0) {
      const v = file.varint(at);
      field = { number, value: v.value, start: at, end: v.next };
    } else if (wireType === 1 || wireType === 5) {
      field = { number, value: 0, start: at, end: at + (wireType === 1 ? 8 : 4) };
    } else if (wireType === 2) {
      const length = file.varint(at);
      field = { number, value: 0, start: length.next, end: length.next + length.value };
    } else {
      throw new NotOnnxError(`field ${number} at byte ${at} has wire type ${wireType}`);
    }
    if (field.end > end) throw new NotOnnxError(`field ${number} runs past the end of its message`);
    at = field.end;
    yield field;
  }
}

function small(file: FileCursor, field: Field, what: string): Buffer {
  if (field.end - field.start > MAX_SMALL_MESSAGE)
    throw new NotOnnxError(`${what} takes more than ${MAX_SMALL_MESSAGE} bytes`);
  return file.bytes(field.start, field.end);
}

function decode<T>(decoder: { decode(bytes: Uint8Array): T }, bytes: Uint8Array, what: string): T {
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw new NotOnnxError(`${what} cannot be decoded: ${(error as Error).message}`);
  }
}

function describeType(type: op.onnx.ITypeProto | null | undefined): {
  elementType: string;
  shape: string[] | null;
} {
  const element = (n: number | null | undefined) => ELEMENT_TYPES[n ?? 0] ?? `type ${n ?? 0}`;
  const tensor = type?.tensorType ?? type?.sparseTensorType;
  if (tensor) {
    const shape =
      tensor.shape?.dim?.map((d) =>
        d.dimParam ? d.dimParam : d.dimValue != null ? String(d.dimValue) : '?',
      ) ?? null;
    const elementType = element(tensor.elemType);
    return { elementType: type?.tensorType ? elementType : `sparse_tensor(${elementType})`, shape };
  }
  if (type?.sequenceType)
    return {
      elementType: `seq(${describeType(type.sequenceType.elemType).elementType})`,
      shape: null,
    };
  if (type?.mapType)
    return {
      elementType: `map(${element(type.mapType.keyType)},${describeType(type.mapType.valueType).elementType})`,
      shape: null,
    };
  if (type?.optionalType)
    return {
      elementType: `optional(${describeType(type.optionalType.elemType).elementType})`,
      shape: null,
    };
  return { elementType: 'unknown', shape: null };
}

function valueSignature(file: FileCursor, field: Field, what: string): ValueSignature {
  const info = decode(onnx.ValueInfoProto, small(file, field, what), what);
  if (!info.name) throw new NotOnnxError(`${what} has no name`);
  return { name: info.name, ...describeType(info.type) };
}

/** The name of an initializer (TensorProto field 8), its data skipped. */
function initializerName(file: FileCursor, field: Field): string | null {
  for (const inner of fields(file, field.start, field.end)) {
    if (inner.number === 8) return small(file, inner, 'an initializer name').toString('utf8');
  }
  return null;
}

function bounded<T>(list: T[], item: T, what: string): void {
  if (list.length >= MAX_ENTRIES)
    throw new NotOnnxError(`it declares more than ${MAX_ENTRIES} ${what}`);
  list.push(item);
}

function readGraph(file: FileCursor, graph: Field) {
  const inputs: ValueSignature[] = [];
  const outputs: ValueSignature[] = [];
  const initializers = new Set<string>();
  for (const field of fields(file, graph.start, graph.end)) {
    if (field.number === 11) bounded(inputs, valueSignature(file, field, 'an input'), 'inputs');
    else if (field.number === 12)
      bounded(outputs, valueSignature(file, field, 'an output'), 'outputs');
    else if (field.number === 5) {
      const name = initializerName(file, field);
      if (name) initializers.add(name);
    }
  }
  // Before IR 4, initializers were listed among the inputs too; they are not fed.
  return { inputs: inputs.filter((input) => !initializers.has(input.name)), outputs };
}

/** The signature of the ONNX model in the file at `path`; NotOnnxError when it is not one. */
export function readModelSignature(path: string): ModelSignature {
  const fd = openSync(path, 'r');
  try {
    const file = new FileCursor(fd);
    if (!file.size) throw new NotOnnxError('the file is empty');
    let irVersion = 0;
    let producerName = '';
    let producerVersion = '';
    const opsets: OpsetImport[] = [];
    let graph: ReturnType<typeof readGraph> | null = null;
    for (const field of fields(file, 0, file.size)) {
      if (field.number === 1) irVersion = field.value;
      else if (field.number === 2)
        producerName = small(file, field, 'the producer').toString('utf8');
      else if (field.number === 3)
        producerVersion = small(file, field, 'the producer version').toString('utf8');
      else if (field.number === 7) graph = readGraph(file, field);
      else if (field.number === 8) {
        const opset = decode(onnx.OperatorSetIdProto, small(file, field, 'an opset'), 'an opset');
        bounded(
          opsets,
          { domain: opset.domain || 'ai.onnx', version: Number(opset.version ?? 0) },
          'opsets',
        );
      }
    }
    if (!irVersion) throw new NotOnnxError('it has no IR version');
    if (!graph) throw new NotOnnxError('it has no graph');
    const producer = [producerName, producerVersion].filter(Boolean).join(' ') || null;
    return { irVersion, producer, opsets, ...graph };
  } finally {
    closeSync(fd);
  }
}
