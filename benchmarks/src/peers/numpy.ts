/**
 * The numpy/OpenBLAS SGEMM peer, timed inside a `python3` child process with the same adaptive plan as our
 * harness (the child returns raw per-call samples; statistics are computed here).
 *
 * OpenBLAS picks its kernels from OPENBLAS_CORETYPE when set (some machines set it, and OPENBLAS_L2_SIZE, to
 * work around old OpenBLAS bugs; both slow a current numpy). The baseline runs with both unset, and reports the
 * core OpenBLAS then chose (threadpoolctl when installed, else `openblas_get_corename` through ctypes). When the
 * environment sets them, the same sizes also run once with them as set, for information.
 */
import { spawnSync } from 'node:child_process';
import type { TimingPlan } from '../harness.js';

/** The environment variables that steer OpenBLAS's kernel choice. */
export const OPENBLAS_ENV_VARS = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** One timed size. */
export interface NumpyGemmSample {
  n: number;
  samplesMs: number[];
  callsPerSample: number;
}

/** Everything one child run reported. */
export interface NumpyGemmRun {
  available: boolean;
  /** Why it is not available (no python3, no numpy, a crash). */
  error?: string;
  python?: string;
  numpy?: string;
  /** OpenBLAS core (kernel set) in use, e.g. `Haswell`, `SkylakeX`, `Zen`. */
  openblasCore?: string;
  openblasConfig?: string;
  /** How `openblasCore` was found: `threadpoolctl`, `ctypes` or `none`. */
  coreSource?: string;
  /** threadpoolctl.threadpool_info() when available. */
  threadpoolInfo?: unknown;
  threads: number;
  /** The OPENBLAS_* variables as the child saw them (absent = unset). */
  env: Record<string, string>;
  results: NumpyGemmSample[];
}

const SCRIPT = String.raw`
import json, sys, time, os, ctypes
cfg = json.loads(sys.stdin.read())
out = {"available": False, "threads": cfg["threads"], "results": [],
       "env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS") if k in os.environ}}
try:
    import numpy as np
except Exception as e:
    out["error"] = "numpy cannot be imported: " + str(e)
    print(json.dumps(out)); sys.exit(0)
out["available"] = True
out["python"] = sys.version.split()[0]
out["numpy"] = np.__version__
out["coreSource"] = "none"
try:
    import threadpoolctl
    info = threadpoolctl.threadpool_info()
    out["threadpoolInfo"] = info
    for lib in info:
        if lib.get("internal_api") == "openblas":
            out["openblasCore"] = lib.get("architecture")
            out["coreSource"] = "threadpoolctl"
            break
except Exception:
    pass
if "openblasCore" not in out:
    try:
        for line in open("/proc/self/maps"):
            p = line.split()[-1]
            if "openblas" in p.lower() and ".so" in p:
                lib = ctypes.CDLL(p)
                for prefix in ("", "scipy_"):
                    for suffix in ("", "64_"):
                        f = getattr(lib, prefix + "openblas_get_corename" + suffix, None)
                        g = getattr(lib, prefix + "openblas_get_config" + suffix, None)
                        if f is not None:
                            f.restype = ctypes.c_char_p
                            out["openblasCore"] = f().decode()
                            out["coreSource"] = "ctypes"
                        if g is not None:
                            g.restype = ctypes.c_char_p
                            out["openblasConfig"] = g().decode()
                if "openblasCore" in out:
                    break
    except Exception as e:
        out["coreError"] = str(e)
plan = cfg["plan"]
rng = np.random.default_rng(20180802)
for n in cfg["sizes"]:
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    start = time.perf_counter()
    np.matmul(a, b, out=c)
    est = time.perf_counter() - start
    while True:
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        est = min(est, time.perf_counter() - t0)
        if (time.perf_counter() - start) * 1e3 >= plan["warmupMs"]:
            break
    est_ms = est * 1e3
    calls = max(1, int(-(-plan["minSampleMs"] // max(est_ms, 1e-6))))
    count = min(plan["maxSamples"], max(plan["minSamples"], round(plan["budgetMs"] / (est_ms * calls))))
    samples = []
    for _ in range(count):
        t0 = time.perf_counter()
        for _ in range(calls):
            np.matmul(a, b, out=c)
        samples.append((time.perf_counter() - t0) * 1e3 / calls)
    out["results"].append({"n": n, "samplesMs": samples, "callsPerSample": calls})
print(json.dumps(out))
`;

/**
 * Times `numpy.matmul` of n x n float32 matrices for each size with `threads` OpenBLAS threads.
 *
 * @param keepOpenblasEnv run with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE as this process has them (default:
 * both removed).
 * @returns `available: false` with the reason when python3 or numpy is missing; never throws.
 */
export function runNumpyGemm(sizes: readonly number[], threads: number, plan: TimingPlan, keepOpenblasEnv = false): NumpyGemmRun {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!keepOpenblasEnv) for (const name of OPENBLAS_ENV_VARS) delete env[name];
  for (const name of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']) env[name] = String(threads);
  const python = process.env.AMC_BENCH_PYTHON ?? 'python3';
  const child = spawnSync(python, ['-c', SCRIPT], {
    input: JSON.stringify({ sizes, threads, plan }),
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  });
  const failed = (error: string): NumpyGemmRun => ({ available: false, error, threads, env: {}, results: [] });
  if (child.error !== undefined) return failed(`${python} cannot be run: ${child.error.message}`);
  if (child.status !== 0) return failed(`${python} exited with ${child.status}: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  try {
    return JSON.parse(child.stdout) as NumpyGemmRun;
  } catch {
    return failed(`unreadable output from ${python}: ${child.stdout.slice(0, 200)}`);
  }
}
