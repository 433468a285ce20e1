/**
 * A stub of the parts of the GitHub and GitLab REST APIs the workflow helpers use, over real loopback
 * HTTP: in-memory pull requests, runs, artifacts, comments, issues, file blobs and branch tips, a
 * token check, page-based pagination, and a log of every request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GH_TOKEN = 'stub-github-token';
export const GL_TOKEN = 'stub-gitlab-token';
export const REPO = 'octo/dns';
export const BOT = { login: 'github-actions[bot]', type: 'Bot' };

export interface Comment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: string };
  html_url?: string;
}

export interface Issue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  user: { login: string; type: string };
  pull_request?: object;
}

export interface GitHubState {
  branches: Record<string, string>; // branch → tip sha
  blobs: Record<string, string>; // `${ref}:${path}` → blob sha
  commitPulls: Record<string, any[]>; // commit sha → associated pull requests
  openPulls: any[];
  files: Record<number, { filename: string; previous_filename?: string }[]>;
  runs: any[]; // each with workflow (file name)
  artifacts: any[]; // each with run_id
  comments: Comment[];
  issues: Issue[];
}

export interface GitLabState {
  branches: Record<string, string>;
  blobs: Record<string, string>;
  commitMrs: Record<string, any[]>;
  mrPipelines: Record<number, any[]>;
  pipelineJobs: Record<number, any[]>;
  jobArtifacts: Record<string, unknown>; // `${jobId}:${path}` → JSON
}

export interface StubApi {
  url: string;
  gitlabUrl: string;
  gh: GitHubState;
  gl: GitLabState;
  log: { method: string; path: string; status: number }[];
  writes(): string[];
  close(): Promise<void>;
}

export function emptyGitHub(): GitHubState {
  return {
    branches: {},
    blobs: {},
    commitPulls: {},
    openPulls: [],
    files: {},
    runs: [],
    artifacts: [],
    comments: [],
    issues: [],
  };
}

export function emptyGitLab(): GitLabState {
  return { branches: {}, blobs: {}, commitMrs: {}, mrPipelines: {}, pipelineJobs: {}, jobArtifacts: {} };
}

export async function startStubApi(): Promise<StubApi> {
  const gh = emptyGitHub();
  const gl = emptyGitLab();
  const log: StubApi['log'] = [];
  let nextId = 1000;

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://stub');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const send = (status: number, data: unknown) => {
      log.push({ method, path: u.pathname + u.search, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(data));
    };
    const page = <T>(items: T[]): T[] => {
      const per = Number(u.searchParams.get('per_page') ?? 30);
      const p = Number(u.searchParams.get('page') ?? 1);
      return items.slice((p - 1) * per, p * per);
    };
    const p = decodeURIComponent(u.pathname);
    let m: RegExpExecArray | null;

    if (p.startsWith('/api/v4/')) {
      if (req.headers['private-token'] !== GL_TOKEN) return send(401, { message: '401 Unauthorized' });
      const q = p.slice('/api/v4/projects/42'.length);
      if ((m = /^\/repository\/branches\/(.+)$/.exec(q))) {
        const tip = gl.branches[m[1]!];
        return tip ? send(200, { name: m[1], commit: { id: tip } }) : send(404, { message: '404 Branch Not Found' });
      }
      if ((m = /^\/repository\/files\/(.+)$/.exec(q))) {
        const blob = gl.blobs[`${u.searchParams.get('ref')}:${m[1]}`];
        return blob ? send(200, { blob_id: blob }) : send(404, { message: '404 File Not Found' });
      }
      if ((m = /^\/repository\/commits\/([0-9a-f]+)\/merge_requests$/.exec(q)))
        return send(200, gl.commitMrs[m[1]!] ?? []);
      if ((m = /^\/merge_requests\/(\d+)\/pipelines$/.exec(q))) return send(200, gl.mrPipelines[Number(m[1])] ?? []);
      if ((m = /^\/pipelines\/(\d+)\/jobs$/.exec(q))) return send(200, gl.pipelineJobs[Number(m[1])] ?? []);
      if ((m = /^\/jobs\/(\d+)\/artifacts\/(.+)$/.exec(q))) {
        const a = gl.jobArtifacts[`${m[1]}:${m[2]}`];
        return a === undefined ? send(404, { message: '404 Not found' }) : send(200, a);
      }
      return send(404, { message: `stub: no route ${method} ${p}` });
    }

    if (req.headers.authorization !== `Bearer ${GH_TOKEN}`) return send(401, { message: 'Bad credentials' });
    const r = p.slice(`/repos/${REPO}`.length);
    if (!p.startsWith(`/repos/${REPO}/`)) return send(404, { message: 'Not Found' });

    if (method === 'GET' && (m = /^\/commits\/([^/]+)\/pulls$/.exec(r))) return send(200, gh.commitPulls[m[1]!] ?? []);
    if (method === 'GET' && (m = /^\/commits\/([^/]+)$/.exec(r))) {
      const sha = gh.branches[m[1]!] ?? (/^[0-9a-f]{40}$/.test(m[1]!) ? m[1] : undefined);
      return sha ? send(200, { sha }) : send(404, { message: 'No commit found' });
    }
    if (method === 'GET' && (m = /^\/contents\/(.+)$/.exec(r))) {
      const blob = gh.blobs[`${u.searchParams.get('ref')}:${m[1]}`];
      return blob ? send(200, { type: 'file', sha: blob }) : send(404, { message: 'Not Found' });
    }
    if (method === 'GET' && (m = /^\/actions\/workflows\/([^/]+)\/runs$/.exec(r))) {
      const head = u.searchParams.get('head_sha');
      const event = u.searchParams.get('event');
      const runs = gh.runs
        .filter((x) => x.workflow === m![1] && (!head || x.head_sha === head) && (!event || x.event === event))
        .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
      return send(200, { total_count: runs.length, workflow_runs: page(runs) });
    }
    if (method === 'GET' && (m = /^\/actions\/runs\/(\d+)\/artifacts$/.exec(r))) {
      const name = u.searchParams.get('name');
      const arts = gh.artifacts.filter((a) => a.run_id === Number(m![1]) && (!name || a.name === name));
      return send(200, { total_count: arts.length, artifacts: arts });
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/files$/.exec(r)))
      return send(200, page(gh.files[Number(m[1])] ?? []));
    if (method === 'GET' && r === '/pulls') return send(200, page(gh.openPulls));
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(r))) {
      const n = Number(m[1]);
      if (method === 'GET') return send(200, page(gh.comments.filter((c) => c.issue === n)));
      if (method === 'POST') {
        const c: Comment = { id: nextId++, issue: n, body: body.body, user: BOT };
        gh.comments.push(c);
        return send(201, { ...c, html_url: `https://github.com/${REPO}/pull/${n}#issuecomment-${c.id}` });
      }
    }
    if (method === 'PATCH' && (m = /^\/issues\/comments\/(\d+)$/.exec(r))) {
      const c = gh.comments.find((x) => x.id === Number(m![1]));
      if (!c) return send(404, { message: 'Not Found' });
      c.body = body.body;
      return send(200, c);
    }
    if (r === '/issues' && method === 'GET') {
      const creator = u.searchParams.get('creator');
      return send(200, page(gh.issues.filter((i) => i.state === 'open' && (!creator || i.user.login === creator))));
    }
    if (r === '/issues' && method === 'POST') {
      const i: Issue = { number: nextId++, title: body.title, body: body.body, state: 'open', user: BOT };
      gh.issues.push(i);
      return send(201, i);
    }
    if (method === 'PATCH' && (m = /^\/issues\/(\d+)$/.exec(r))) {
      const i = gh.issues.find((x) => x.number === Number(m![1]));
      if (!i) return send(404, { message: 'Not Found' });
      Object.assign(i, body);
      return send(200, i);
    }
    return send(404, { message: `stub: no route ${method} ${p}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    gitlabUrl: `http://127.0.0.1:${port}/api/v4`,
    gh,
    gl,
    log,
    writes: () => log.filter((l) => l.method !== 'GET').map((l) => `${l.method} ${l.path}`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
