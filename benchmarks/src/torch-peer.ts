/**
 * The PyTorch CPU peer of the ResNet training/inference throughput benchmark (28x28x1 inputs, 10 classes), run in
 * a `python3` child process (`benchmarks/python/torch_peer.py`, stdlib + torch only).
 *
 * The child sets `torch.set_num_threads(threads)` and one inter-op thread; OMP_NUM_THREADS / MKL_NUM_THREADS are
 * set to `threads` too so that OpenMP and MKL(-DNN) pools agree. It reports images/s per repeat (each repeat:
 * `warmup` untimed steps, then `iters` timed steps) and their median.
 *
 * When python3 or torch is absent the result is `{ missing }` (never thrown); any other failure of the child
 * (crash, timeout, unreadable output) throws.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The models the peer can build. */
export type TorchPeerModel = 'plain20' | 'resnet20' | 'resnet56' | 'mobilenetV2';
/** What the peer times. */
export type TorchPeerMode = 'train' | 'infer' | 'both';

/** Images/s of each repeat and their median. */
export interface TorchPeerThroughput {
  imagesPerSecond: number[];
  median: number;
  /** Training only: the loss of the last timed step (a sanity check that the step really ran). */
  lastLoss?: number;
}

/** The JSON line the child prints. */
export interface TorchPeerResult {
  peer: 'pytorch';
  /** torch.__version__. */
  torch: string;
  python?: string;
  model: TorchPeerModel;
  batch: number;
  /** Requested thread count. */
  threads: number;
  /** torch.get_num_threads() after setting it. */
  torchThreads?: number;
  interopThreads?: number;
  /** Trainable parameters (ResNet-20: 272,186). */
  params: number;
  channelsLast?: boolean;
  warmup?: number;
  iters?: number;
  repeats?: number;
  train?: TorchPeerThroughput;
  infer?: TorchPeerThroughput;
  /** torch.backends.mkldnn.is_available(). */
  mkldnn: boolean;
  /** CPU model name. */
  cpu: string;
}

export interface TorchPeerOptions {
  model: TorchPeerModel;
  batch: number;
  threads: number;
  mode: TorchPeerMode;
  warmup?: number;
  iters?: number;
  repeats?: number;
  /** Python executable; default `AMC_PYTHON`, else `AMC_BENCH_PYTHON` (the numpy peer's variable), else `python3`. */
  python?: string;
  /** Run model and inputs as channels_last (NHWC). Default false (NCHW). */
  channelsLast?: boolean;
  /** Kill the child after this long. Default 30 minutes. */
  timeoutMs?: number;
}

/** The peer script, resolved relative to this file. */
export const TORCH_PEER_SCRIPT = fileURLToPath(new URL('../python/torch_peer.py', import.meta.url));

/** The exit status the script uses when torch cannot be imported. */
export const EXIT_MISSING_TORCH = 3;

const INSTALL_HINT = 'install with: apt-get install python3-torch';

/** The python executable {@link runTorchPeer} uses first for these options. */
export function torchPeerPython(options: Pick<TorchPeerOptions, 'python'>, env: NodeJS.ProcessEnv = process.env): string {
  return options.python ?? env.AMC_PYTHON ?? env.AMC_BENCH_PYTHON ?? 'python3';
}

/** Debian's interpreter, the one `apt-get install python3-torch` installs torch for. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * The python executables to try, in order. With no explicit choice (option or environment), `python3` from PATH
 * comes first and {@link SYSTEM_PYTHON} second: a pyenv/venv `python3` earlier on PATH does not see Debian's torch.
 */
export function torchPeerPythons(options: Pick<TorchPeerOptions, 'python'>, env: NodeJS.ProcessEnv = process.env, systemPythonExists = existsSync(SYSTEM_PYTHON)): string[] {
  const first = torchPeerPython(options, env);
  const explicit = options.python !== undefined || env.AMC_PYTHON !== undefined || env.AMC_BENCH_PYTHON !== undefined;
  return !explicit && systemPythonExists && first !== SYSTEM_PYTHON ? [first, SYSTEM_PYTHON] : [first];
}

/** The script's command-line arguments (after the script path) for these options. */
export function torchPeerArgs(options: TorchPeerOptions): string[] {
  const args = ['--model', options.model, '--batch', String(options.batch), '--threads', String(options.threads), '--mode', options.mode];
  if (options.warmup !== undefined) args.push('--warmup', String(options.warmup));
  if (options.iters !== undefined) args.push('--iters', String(options.iters));
  if (options.repeats !== undefined) args.push('--repeats', String(options.repeats));
  if (options.channelsLast === true) args.push('--channels-last');
  args.push('--json');
  return args;
}

/** The last JSON object line of the child's stdout, or undefined. */
export function lastJsonLine(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const parsed: unknown = JSON.parse(lines[i]!);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // not JSON; keep looking
    }
  }
  return undefined;
}

function tail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

interface ChildOutcome {
  error: (Error & { code?: number | string; killed?: boolean; signal?: NodeJS.Signals | null }) | null;
  stdout: string;
  stderr: string;
}

/**
 * Turns the child's outcome into a result: `{ missing }` when python or torch is absent, the parsed JSON line on
 * success; throws on any other failure.
 */
export function interpretTorchPeer(python: string, outcome: ChildOutcome, timeoutMs?: number): TorchPeerResult | { missing: string } {
  const { error, stdout, stderr } = outcome;
  if (error !== null) {
    if (error.code === 'ENOENT' || error.code === 'EACCES') {
      return { missing: `${python} cannot be run (${error.code}), ${INSTALL_HINT}` };
    }
    if (error.killed === true || error.signal != null) {
      const why = error.killed === true && timeoutMs !== undefined ? `timed out after ${timeoutMs} ms` : `killed by ${error.signal ?? 'a signal'}`;
      throw new Error(`torch peer ${why}: ${tail(stderr)}`);
    }
    const line = lastJsonLine(stdout);
    if (typeof line?.missing === 'string') return { missing: `${line.missing}, ${INSTALL_HINT}` };
    const importFailure = /^.*No module named '?torch\b.*$/m.exec(stderr);
    if (error.code === EXIT_MISSING_TORCH || importFailure !== null) {
      return { missing: `torch cannot be imported by ${python} (${importFailure?.[0].trim() ?? tail(stderr, 1)}), ${INSTALL_HINT}` };
    }
    throw new Error(`torch peer: ${python} exited with ${String(error.code)}: ${tail(stderr)}`);
  }
  const line = lastJsonLine(stdout);
  if (line === undefined) throw new Error(`torch peer: no JSON line in the output of ${python}: ${stdout.slice(0, 200)}`);
  if (typeof line.missing === 'string') return { missing: `${line.missing}, ${INSTALL_HINT}` };
  if (line.peer !== 'pytorch' || typeof line.params !== 'number') {
    throw new Error(`torch peer: unexpected JSON from ${python}: ${JSON.stringify(line).slice(0, 200)}`);
  }
  return line as unknown as TorchPeerResult;
}

/** Runs the peer script once with one python executable. */
async function runWith(python: string, options: TorchPeerOptions): Promise<TorchPeerResult | { missing: string }> {
  const threads = String(options.threads);
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads, PYTHONUNBUFFERED: '1' };
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const outcome = await new Promise<ChildOutcome>((resolve) => {
    execFile(
      python,
      [TORCH_PEER_SCRIPT, ...torchPeerArgs(options)],
      { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => resolve({ error: error as ChildOutcome['error'], stdout, stderr }),
    );
  });
  return interpretTorchPeer(python, outcome, timeoutMs);
}

/**
 * Times the PyTorch CPU peer for one model, batch size and thread count.
 *
 * @returns the child's report, or `{ missing }` when no candidate python (see {@link torchPeerPythons}) has torch.
 */
export async function runTorchPeer(options: TorchPeerOptions): Promise<TorchPeerResult | { missing: string }> {
  const reasons: string[] = [];
  for (const python of torchPeerPythons(options)) {
    const result = await runWith(python, options);
    if (!('missing' in result)) return result;
    reasons.push(result.missing.replace(`, ${INSTALL_HINT}`, ''));
  }
  return { missing: `${reasons.join('; ')}, ${INSTALL_HINT}` };
}
