/** Forked benchmark processes: start one, wait for its messages, always end it. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Worker {
  proc: ChildProcess;
  /** The next message whose type matches (or any message when type is omitted), within ms. */
  next<T = Record<string, unknown>>(type: string | undefined, ms: number): Promise<T>;
  send(msg: unknown): void;
  kill(): void;
}

export function startWorker(script: string, arg: unknown, execArgv: string[] = []): Worker {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const proc = fork(path, [JSON.stringify(arg)], { stdio: ["ignore", "ignore", "inherit", "ipc"], execArgv: [...execArgv, ...(process.env.BENCH_WORKER_ARGS?.split(" ").filter(Boolean) ?? [])] });
  const inbox: Record<string, unknown>[] = [];
  const waiters: { type?: string; resolve: (m: Record<string, unknown>) => void }[] = [];
  let exited: string | undefined;
  const failAll = () => {
    for (const w of waiters.splice(0)) w.resolve({ type: 'exit', message: exited });
  };
  proc.on('message', (m: Record<string, unknown>) => {
    const i = waiters.findIndex((w) => w.type === undefined || w.type === m.type || m.type === 'error');
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    else inbox.push(m);
  });
  proc.on('exit', (code, signal) => {
    exited = `${script} exited (${code ?? signal})`;
    failAll();
  });
  return {
    proc,
    next<T>(type: string | undefined, ms: number): Promise<T> {
      const i = inbox.findIndex((m) => type === undefined || m.type === type || m.type === 'error');
      if (i >= 0) return Promise.resolve(check(inbox.splice(i, 1)[0]!) as T);
      if (exited) return Promise.reject(new Error(exited));
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${script}: no ${type ?? 'message'} within ${ms} ms`)), ms);
        waiters.push({
          type,
          resolve: (m) => {
            clearTimeout(timer);
            try {
              resolve(check(m) as T);
            } catch (err) {
              reject(err);
            }
          },
        });
      });
    },
    send(msg) {
      if (proc.connected) proc.send(msg as object);
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

function check(m: Record<string, unknown>): Record<string, unknown> {
  if (m.type === 'error' || m.type === 'exit') throw new Error(String(m.message));
  return m;
}
