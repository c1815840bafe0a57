'use strict'
/**
 * What `outpost`'s bundle gets for `import … from 'undici'` (scripts/bundle.mjs aliases it here):
 * only the parts Outpost uses, `Client` (src/probe/http.ts), `Agent` and `request` (src/notify/).
 *
 * Why: undici's index.js loads all of undici (fetch, WebSocket, EventSource, cookies, caches,
 * mocks: ~950 KB), and its web/cookies code touches `globalThis.Headers`, which makes Node load its
 * own internal copy of undici as well: together ~40% of what `run` spent loading undici before the
 * first run (docs/performance.md#where-the-start-up-goes).
 *
 * This does what undici 7's index.js does for these names, nothing else: it requires the same
 * internal files, installs the request API on `Dispatcher.prototype` (`client.request()` exists
 * only because index.js does `Object.assign(Dispatcher.prototype, api)`), and builds `request`
 * the way index.js's `makeDispatcher` does. The internal paths below are undici's, not its public
 * API: scripts/bundle.mjs checks they exist and stops the build if an upgrade moved them, and
 * test/build/bundle.test.ts checks these are the very objects undici's index.js exports.
 * The tsc build (dist/cli.js) and the tests use undici's index.js as usual.
 */

const Client = require('undici/lib/dispatcher/client')
const Dispatcher = require('undici/lib/dispatcher/dispatcher')
const Agent = require('undici/lib/dispatcher/agent')
const errors = require('undici/lib/core/errors')
const util = require('undici/lib/core/util')
const api = require('undici/lib/api')
const { getGlobalDispatcher, setGlobalDispatcher } = require('undici/lib/global')

const { InvalidArgumentError } = errors

Object.assign(Dispatcher.prototype, api)

/** undici 7 index.js's makeDispatcher (MIT, © Matteo Collina and undici contributors), unchanged. */
function makeDispatcher (fn) {
  return (url, opts, handler) => {
    if (typeof opts === 'function') {
      handler = opts
      opts = null
    }

    if (!url || (typeof url !== 'string' && typeof url !== 'object' && !(url instanceof URL))) {
      throw new InvalidArgumentError('invalid url')
    }

    if (opts != null && typeof opts !== 'object') {
      throw new InvalidArgumentError('invalid opts')
    }

    if (opts && opts.path != null) {
      if (typeof opts.path !== 'string') {
        throw new InvalidArgumentError('invalid opts.path')
      }

      let path = opts.path
      if (!opts.path.startsWith('/')) {
        path = `/${path}`
      }

      url = new URL(util.parseOrigin(url).origin + path)
    } else {
      if (!opts) {
        opts = typeof url === 'object' ? url : {}
      }

      url = util.parseURL(url)
    }

    const { agent, dispatcher = getGlobalDispatcher() } = opts

    if (agent) {
      throw new InvalidArgumentError('unsupported opts.agent. Did you mean opts.client?')
    }

    return fn.call(dispatcher, {
      ...opts,
      origin: url.origin,
      path: url.search ? `${url.pathname}${url.search}` : url.pathname,
      method: opts.method || (opts.body ? 'PUT' : 'GET')
    }, handler)
  }
}

module.exports = {
  Client,
  Dispatcher,
  Agent,
  errors,
  request: makeDispatcher(api.request),
  getGlobalDispatcher,
  setGlobalDispatcher
}
