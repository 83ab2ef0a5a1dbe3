import type { Request } from "express";

/**
 * The matched route's template (`/api/tenants/:tenant/runs/:id`), for labels and span names.
 *
 * `req.baseUrl + req.route.path` is what most middlewares use, but `req.baseUrl` holds the *values* a
 * parameterised mount matched (`/api/tenants/acme`), and Express resets it when an error leaves a nested
 * router. So the mounts above a route are found once in the app's router tree (the route object is the
 * key) and their patterns joined; `req.baseUrl` is only the fallback when the tree does not say (Express 4
 * and routers before 2.3 keep no mount pattern; a router mounted at several paths; a route not reachable
 * from `req.app`).
 */
export function routeTemplate(req: Request): string | undefined {
  const route = (req as { route?: unknown }).route as { path?: unknown } | undefined;
  if (route === undefined || route === null || typeof route !== "object") return routeThatWouldMatch(req);
  const known = locate(req, route);
  if (known !== undefined) return known;
  const own = patternText(route.path);
  return own === undefined ? undefined : join(req.baseUrl ?? "", own);
}

/**
 * For a response sent before routing reached a route — a body parser rejecting the body (400, 413), an
 * auth middleware (401) — the route the request was addressed to, so it is not lumped with 404s. Layers
 * are matched without side effects only by router >= 2.3 (Express 5); elsewhere, and for sub-apps, none.
 */
function routeThatWouldMatch(req: Request): string | undefined {
  const app = (req as { app?: unknown }).app as AppLike | undefined;
  if (app === undefined || app === null || app.parent !== undefined) return undefined;
  const url = req.originalUrl ?? req.url;
  const q = url.indexOf("?");
  return walk(stackOf(routerOf(app)), q === -1 ? url : url.slice(0, q), "", req.method, 0);
}

interface LayerMatch {
  path: string;
  pattern: unknown;
}

function walk(stack: LayerLike[] | undefined, path: string, prefix: string, method: string, depth: number): string | undefined {
  if (stack === undefined || depth > MAX_DEPTH) return undefined;
  for (const layer of stack) {
    if (layer === null || typeof layer !== "object" || layer.rawPath === undefined || typeof layer.match !== "function") continue;
    let m: unknown;
    try {
      m = layer.match(path);
    } catch {
      continue; // malformed percent-encoding: the router would have failed the request too
    }
    if (m === null || typeof m !== "object") continue; // no match (or a pre-2.3 router's boolean)
    const { path: matched, pattern } = m as LayerMatch;
    const route = layer.route as { _handlesMethod?: (method: string) => boolean } | undefined;
    if (route !== undefined) {
      if (typeof route._handlesMethod === "function" && route._handlesMethod(method)) {
        const own = patternText(pattern);
        return own === undefined ? undefined : join(prefix, own);
      }
      continue;
    }
    const child = stackOf(layer.handle);
    if (child === undefined || typeof pattern !== "string" || typeof matched !== "string") continue;
    const rest = path.slice(matched.length);
    const found = walk(child, rest.startsWith("/") ? rest : `/${rest}`, prefix + trimSlash(pattern), method, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

interface LayerLike {
  route?: unknown;
  handle?: unknown;
  /** router >= 2.3 (Express 5): the pattern the layer was mounted with. */
  rawPath?: unknown;
  /** router >= 2.3: `{ path, pattern, params }` or false, without touching the layer. */
  match?: (path: string) => unknown;
}

interface AppLike {
  parent?: AppLike;
  mountpath?: unknown;
  _router?: unknown;
  router?: unknown;
}

/**
 * Per app, per route object: the route's full template (null when the tree does not tell). The router tree
 * does not move once requests flow, so each is computed once and the hot path allocates nothing.
 */
const located = new WeakMap<object, WeakMap<object, string | null>>();
const MAX_DEPTH = 16;

function locate(req: Request, route: { path?: unknown }): string | undefined {
  const app = (req as { app?: unknown }).app as AppLike | undefined;
  if (app === undefined || app === null || typeof app !== "function") return undefined;
  let routes = located.get(app);
  if (routes === undefined) located.set(app, (routes = new WeakMap()));
  let template = routes.get(route);
  if (template === undefined) {
    const chains: LayerLike[][] = [];
    findChains(stackOf(routerOf(app)), route, [], 0, chains);
    // Not found: req.app is not the app holding the route (an error left a sub-app); don't cache.
    if (chains.length === 0) return undefined;
    // Mounted at several places: which one this request came through is only in req.baseUrl.
    const mounts = chains.length === 1 ? chainTemplate(chains[0]!) : undefined;
    const appPrefix = appMountTemplate(app);
    const own = patternText(route.path);
    template = mounts !== undefined && appPrefix !== undefined && own !== undefined ? join(appPrefix + mounts, own) : null;
    routes.set(route, template);
  }
  return template ?? undefined;
}

function routerOf(app: AppLike): unknown {
  try {
    // Express 4 keeps its router in `_router` (and throws on `app.router`); Express 5 in `router`.
    return app._router ?? app.router;
  } catch {
    return undefined;
  }
}

function stackOf(router: unknown): LayerLike[] | undefined {
  if ((typeof router !== "function" && typeof router !== "object") || router === null) return undefined;
  const stack = (router as { stack?: unknown }).stack;
  return Array.isArray(stack) ? (stack as LayerLike[]) : undefined;
}

function findChains(stack: LayerLike[] | undefined, route: object, mounts: LayerLike[], depth: number, out: LayerLike[][]): void {
  if (stack === undefined || depth > MAX_DEPTH) return;
  for (const layer of stack) {
    if (layer === null || typeof layer !== "object") continue;
    if (layer.route === route) {
      out.push([...mounts]);
      continue;
    }
    if (layer.route !== undefined) continue;
    const child = stackOf(layer.handle);
    if (child === undefined || child === stack) continue;
    mounts.push(layer);
    findChains(child, route, mounts, depth + 1, out);
    mounts.pop();
  }
}

function chainTemplate(mounts: LayerLike[]): string | undefined {
  let template = "";
  for (const layer of mounts) {
    if (typeof layer.rawPath !== "string") return undefined;
    template += trimSlash(layer.rawPath);
  }
  return template;
}

/** Mount paths of the app and its parents (sub-apps: `app.use("/admin", admin)`). */
function appMountTemplate(app: AppLike): string | undefined {
  let prefix = "";
  for (let a: AppLike | undefined = app, depth = 0; a?.parent !== undefined && depth <= MAX_DEPTH; a = a.parent, depth++) {
    if (typeof a.mountpath !== "string") return undefined;
    prefix = trimSlash(a.mountpath) + prefix;
  }
  return prefix;
}

function patternText(path: unknown): string | undefined {
  if (typeof path === "string") return path;
  if (path instanceof RegExp) return String(path);
  if (Array.isArray(path)) {
    const parts = path.map(patternText);
    return parts.every((p) => p !== undefined) ? parts.join(",") : undefined;
  }
  return undefined;
}

function trimSlash(path: string): string {
  return path.endsWith("/") ? path.slice(0, -1) : path;
}

function join(prefix: string, own: string): string {
  let full = trimSlash(prefix) + (own.startsWith("/") ? own : `/${own}`);
  if (full.length > 1 && full.endsWith("/")) full = full.slice(0, -1);
  return full;
}

/** Keeps the route label bounded even on the fallback path: past `max` distinct values, `other`. */
export class RouteLabels {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}

  value(template: string | undefined, fallback: string): string {
    if (template === undefined) return fallback;
    if (this.seen.has(template)) return template;
    if (this.seen.size >= this.max) return "other";
    this.seen.add(template);
    return template;
  }
}
