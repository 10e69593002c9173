#!/usr/bin/env node
// A dfdaemon stand-in for libsnapshotter's tests: serves dfdaemon.v2.DfdaemonDownload's persistent-task calls
// on a unix socket with @grpc/grpc-js (a gRPC implementation independent of the library's), behaving as
// dfdaemon does towards its callers (docs/format.md, "The dfdaemon calls"):
//
// - "Object storage" is a directory: <provider>://<bucket>/<key> is <objects>/<bucket>/<key>. Several stand-ins
//   may share it, like the dfdaemons of several nodes share a bucket.
// - UploadPersistentTask: region and endpoint must be PRESENT in object_storage (INVALID_ARGUMENT otherwise);
//   an object that exists already is ALREADY_EXISTS; otherwise the file at `path` becomes the object and this
//   node's task file.
// - DownloadPersistentTask: the task id is hex(sha256(url + region + endpoint + "PERSISTENT")) and names the task
//   file under <storage>. With force_hard_link, that file is hardlinked to output_path when the download
//   STARTS (EEXIST, EXDEV, a missing parent: errors, no directory is created), then filled piece by piece while
//   a started message and one message per finished piece are streamed.
//
// Tests steer it through stdin, one JSON object per line, each acknowledged on stdout:
//   {"op":"fault","method":"download"|"upload","kind":K,"after":N,"times":T,"code":C,"message":M}
//   {"op":"clear"}       drop every fault
//   {"op":"release"}     let held downloads go on
// Fault kinds: refuse (answer at once with status C), abort (status C after N pieces), reset (RST_STREAM after N
// pieces), stall (after N pieces, until cancelled), hold (after N pieces, until released), corrupt (flip a byte
// of the delivered file, then end OK), truncate (end OK after N pieces), nolink (ignore force_hard_link, end
// OK). A fault applies to the next T matching calls (default: all).
//
// Stdout carries one JSON object per line: {"event":"ready","port":P} once listening (P with --tcp, which also
// listens on 127.0.0.1), then "request" (the decoded request and its raw bytes in base64), "held", "cancelled",
// "ack". It exits when stdin closes, so it never outlives its test.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const http2 = require('node:http2');
const path = require('node:path');
const readline = require('node:readline');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROVIDERS = new Set(['s3', 'gs', 'abs', 'oss', 'obs', 'cos']);
const MIN_TTL_SECONDS = 60;
const MAX_TTL_SECONDS = 604800;
const RAW = Symbol('raw request bytes');
// Rust's io::Error text, which is how dfdaemon reports OS errors.
const OS_ERRORS = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  EXDEV: 'Invalid cross-device link',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
};

function parseArgs(argv) {
  const args = {
    protos: path.join(__dirname, '..', '..', 'src', 'Core', 'Dragonfly', 'Protos'),
    pieceBytes: 64 * 1024,
    hostId: 'stand-in-host',
  };
  for (let i = 2; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    switch (name) {
      case '--socket': args.socket = value; break;
      case '--objects': args.objects = value; break;
      case '--storage': args.storage = value; break;
      case '--protos': args.protos = value; break;
      case '--piece-bytes': args.pieceBytes = Number(value); break;
      case '--host-id': args.hostId = value; break;
      case '--tcp': args.tcp = value === 'true'; break;
      default: throw new Error(`unknown option ${name}`);
    }
  }
  for (const required of ['socket', 'objects', 'storage']) {
    if (!args[required]) throw new Error(`--${required} is required`);
  }
  return args;
}

const args = parseArgs(process.argv);
fs.mkdirSync(args.storage, { recursive: true });
fs.mkdirSync(args.objects, { recursive: true });

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

// ------------------------------------------------------------------ faults

let faults = [];
let releaseHeld = null;
let held = new Promise(resolve => { releaseHeld = resolve; });

function takeFault(method) {
  const fault = faults.find(f => f.method === method && f.times > 0);
  if (fault) fault.times -= 1;
  return fault || null;
}

readline.createInterface({ input: process.stdin }).on('line', line => {
  if (!line.trim()) return;
  const command = JSON.parse(line);
  if (command.op === 'fault') {
    faults.push({ after: 0, times: Infinity, code: grpc.status.UNAVAILABLE, ...command });
  } else if (command.op === 'clear') {
    faults = [];
  } else if (command.op === 'release') {
    releaseHeld();
    held = new Promise(resolve => { releaseHeld = resolve; });
  } else {
    throw new Error(`unknown op ${command.op}`);
  }
  emit({ event: 'ack', op: command.op });
}).on('close', () => process.exit(0));

// ------------------------------------------------------------------ helpers

class CallError extends Error {
  constructor(code, details) {
    super(details);
    this.code = code;
    this.details = details;
  }
}

function osError(err) {
  const errno = typeof err.errno === 'number' ? Math.abs(err.errno) : 0;
  return `${OS_ERRORS[err.code] || err.code || err.message} (os error ${errno})`;
}

// <provider>://<bucket>/<key> -> the object's file; INVALID_ARGUMENT for anything else.
function objectFile(url) {
  const match = /^([a-z0-9]+):\/\/([^/]+)\/(.+)$/.exec(url || '');
  if (!match || !PROVIDERS.has(match[1])) {
    throw new CallError(grpc.status.INVALID_ARGUMENT, `invalid url: ${url}`);
  }
  const key = match[3];
  if (key.split('/').some(part => part === '' || part === '.' || part === '..')) {
    throw new CallError(grpc.status.INVALID_ARGUMENT, `invalid object key: ${key}`);
  }
  return path.join(args.objects, match[2], key);
}

// dfdaemon needs both, even empty: proto3 `optional` presence, not value.
function checkObjectStorage(objectStorage) {
  if (!objectStorage) throw new CallError(grpc.status.INVALID_ARGUMENT, 'missing object_storage');
  if (objectStorage.region === undefined) throw new CallError(grpc.status.INVALID_ARGUMENT, 'missing region in object_storage');
  if (objectStorage.endpoint === undefined) throw new CallError(grpc.status.INVALID_ARGUMENT, 'missing endpoint in object_storage');
}

function taskId(url, objectStorage) {
  return crypto.createHash('sha256')
    .update(url + (objectStorage.region || '') + (objectStorage.endpoint || '') + 'PERSISTENT')
    .digest('hex');
}

function durationSeconds(duration) {
  return duration ? Number(duration.seconds || 0) + (duration.nanos || 0) / 1e9 : undefined;
}

function timestampNow() {
  const ms = Date.now();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

// What the tests check: every field with its presence, secrets included (the stand-in is their only reader).
function logRequest(method, request) {
  const { [RAW]: raw, ...fields } = request;
  emit({ event: 'request', method, request: fields, raw: raw ? raw.toString('base64') : null });
}

function copyAtomically(source, target) {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.upload-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.copyFileSync(source, temp);
  fs.renameSync(temp, target);
}

// The http2 stream under a grpc-js server call: there is no public way to reset one.
function http2StreamOf(call) {
  const seen = new Set();
  const queue = [call];
  while (queue.length > 0) {
    const value = queue.shift();
    if (!value || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if ('rstCode' in value && typeof value.close === 'function') return value;
    for (const key of ['call', 'stream', 'nextCall']) queue.push(value[key]);
  }
  throw new Error('no http2 stream found under the call');
}

// ------------------------------------------------------------------ calls

function upload(call, callback) {
  const request = call.request;
  logRequest('UploadPersistentTask', request);
  try {
    const fault = takeFault('upload');
    if (fault && fault.kind === 'stall') {
      call.on('cancelled', () => emit({ event: 'cancelled', method: 'UploadPersistentTask' }));
      return;
    }
    if (fault && fault.kind === 'refuse') throw new CallError(fault.code, fault.message || 'refused by the stand-in');

    const target = objectFile(request.url);
    checkObjectStorage(request.object_storage);
    const ttl = durationSeconds(request.ttl);
    if (ttl !== undefined && (ttl < MIN_TTL_SECONDS || ttl > MAX_TTL_SECONDS)) {
      throw new CallError(grpc.status.INVALID_ARGUMENT, `invalid ttl: ${ttl}s`);
    }
    if (!request.path || !path.isAbsolute(request.path)) {
      throw new CallError(grpc.status.INVALID_ARGUMENT, `invalid path: ${request.path}`);
    }
    let stat;
    try {
      stat = fs.statSync(request.path);
    } catch (err) {
      throw new CallError(grpc.status.INTERNAL, osError(err));
    }

    const id = taskId(request.url, request.object_storage);
    if (fs.existsSync(target)) {
      throw new CallError(grpc.status.ALREADY_EXISTS, `persistent task ${id} already exists`);
    }
    const taskFile = path.join(args.storage, id);
    fs.rmSync(taskFile, { force: true });
    try {
      fs.linkSync(request.path, taskFile);
    } catch {
      fs.copyFileSync(request.path, taskFile);
    }
    fs.writeFileSync(`${taskFile}.done`, '');
    copyAtomically(request.path, target);
    callback(null, {
      id,
      persistent_replica_count: request.persistent_replica_count,
      current_persistent_replica_count: 1,
      current_replica_count: 1,
      content_length: String(stat.size),
      piece_count: Math.ceil(stat.size / args.pieceBytes),
      state: 'Succeeded',
      ttl: request.ttl || { seconds: 86400 },
      created_at: timestampNow(),
      updated_at: timestampNow(),
    });
  } catch (err) {
    callback(err instanceof CallError ? { code: err.code, details: err.details } : { code: grpc.status.INTERNAL, details: String(err) });
  }
}

async function download(call) {
  const request = call.request;
  logRequest('DownloadPersistentTask', request);
  // grpc-js also says 'cancelled' once a call has ended normally: only a call still running was cancelled.
  let cancelled = false;
  let ended = false;
  call.on('cancelled', () => {
    cancelled = true;
    if (!ended) emit({ event: 'cancelled', method: 'DownloadPersistentTask' });
  });
  const fail = (code, details) => {
    ended = true;
    call.emit('error', { code, details });
  };
  const end = () => {
    ended = true;
    call.end();
  };
  try {
    const fault = takeFault('download');
    if (fault && fault.kind === 'refuse') throw new CallError(fault.code, fault.message || 'refused by the stand-in');

    const source = objectFile(request.url);
    checkObjectStorage(request.object_storage);
    let size;
    try {
      size = fs.statSync(source).size;
    } catch {
      throw new CallError(grpc.status.NOT_FOUND, `object ${request.url} not found`);
    }

    const id = taskId(request.url, request.object_storage);
    const taskFile = path.join(args.storage, id);
    const cached = fs.existsSync(`${taskFile}.done`);
    if (!cached) {
      fs.rmSync(taskFile, { force: true });
      fs.closeSync(fs.openSync(taskFile, 'w'));
    }
    const linked = request.output_path !== undefined && request.force_hard_link && !(fault && fault.kind === 'nolink');
    if (linked) {
      try {
        fs.linkSync(taskFile, request.output_path);
      } catch (err) {
        throw new CallError(grpc.status.INTERNAL, osError(err));
      }
    }

    const header = { host_id: args.hostId, task_id: id, peer_id: `${args.hostId}-${crypto.randomBytes(4).toString('hex')}` };
    const send = async message => {
      if (!call.write({ ...header, ...message })) await new Promise(resolve => call.once('drain', resolve));
    };
    await send({ download_persistent_task_started_response: { content_length: String(size) } });

    const pieces = Math.ceil(size / args.pieceBytes);
    const input = cached ? null : fs.openSync(source, 'r');
    const output = cached ? null : fs.openSync(taskFile, 'r+');
    try {
      for (let number = 0; number < pieces; number++) {
        if (cancelled) return;
        if (fault && number === fault.after) {
          if (fault.kind === 'abort') return fail(fault.code, fault.message || 'peer went away mid-stream');
          if (fault.kind === 'reset') {
            ended = true;
            return http2StreamOf(call).close(http2.constants.NGHTTP2_INTERNAL_ERROR);
          }
          if (fault.kind === 'stall') return;
          if (fault.kind === 'hold') {
            const released = held;
            emit({ event: 'held', method: 'DownloadPersistentTask' });
            await released;
          }
          if (fault.kind === 'truncate') return end();
        }
        const offset = number * args.pieceBytes;
        const length = Math.min(args.pieceBytes, size - offset);
        if (!cached) {
          const bytes = Buffer.alloc(length);
          fs.readSync(input, bytes, 0, length, offset);
          fs.writeSync(output, bytes, 0, length, offset);
        }
        await send({
          download_piece_finished_response: {
            piece: {
              number,
              offset: String(offset),
              length: String(length),
              digest: 'crc32:00000000',
              traffic_type: cached ? 'LOCAL_PEER' : 'BACK_TO_SOURCE',
              cost: { nanos: 1000 },
              created_at: timestampNow(),
            },
          },
        });
        // Let cancellation and other calls in between pieces, as a real download would.
        await new Promise(resolve => setImmediate(resolve));
      }
    } finally {
      if (input !== null) fs.closeSync(input);
      if (output !== null) fs.closeSync(output);
    }

    if (fault && fault.kind === 'corrupt') {
      // The delivered file is dfdaemon's task file: corrupt that, and let the next download start afresh.
      fs.rmSync(`${taskFile}.done`, { force: true });
      const fd = fs.openSync(taskFile, 'r+');
      const byte = Buffer.alloc(1);
      const at = Math.max(0, size - 7);
      fs.readSync(fd, byte, 0, 1, at);
      byte[0] ^= 0x40;
      fs.writeSync(fd, byte, 0, 1, at);
      fs.closeSync(fd);
    } else if (!cached) {
      fs.writeFileSync(`${taskFile}.done`, '');
    }
    if (request.output_path !== undefined && !linked && !(fault && fault.kind === 'nolink')) {
      fs.copyFileSync(taskFile, request.output_path);
    }
    end();
  } catch (err) {
    if (err instanceof CallError) fail(err.code, err.details);
    else fail(grpc.status.INTERNAL, String(err && err.stack || err));
  }
}

// ------------------------------------------------------------------ server

const definition = protoLoader.loadSync('dfdaemon.proto', {
  includeDirs: [args.protos],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});
const service = grpc.loadPackageDefinition(definition).dfdaemon.v2.DfdaemonDownload.service;
for (const method of Object.values(service)) {
  const deserialize = method.requestDeserialize;
  method.requestDeserialize = bytes => Object.assign(deserialize(bytes), { [RAW]: Buffer.from(bytes) });
}

const server = new grpc.Server();
server.addService(service, { UploadPersistentTask: upload, DownloadPersistentTask: download });
function listen(address) {
  return new Promise((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
}

fs.rmSync(args.socket, { force: true });
Promise.all([listen(`unix://${args.socket}`), args.tcp ? listen('127.0.0.1:0') : Promise.resolve(null)]).then(
  ([, port]) => emit({ event: 'ready', socket: args.socket, port }),
  err => {
    process.stderr.write(`cannot listen: ${err.message}\n`);
    process.exit(1);
  });

process.on('SIGTERM', () => process.exit(0));
