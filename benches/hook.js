// The bench build's `cxbridge.__bench` (not public API, never in dist/): `npm run bench` builds its own copy of the
// bundle with the `bench` cargo feature and this hook (scripts/build.mjs, `build({ bench: true })`).
// - `emit(name, payload)`: the emitter without a web action. Rust decides (membership, onces, the list); one loop
//   in JS calls the listeners, from the list kept there until membership changes (then `dispatch` answers
//   undefined and Rust hands over the new one), and hands the rest back to Rust when a `once` is in the list or
//   membership changed during a call. A page keeps the topic number of a name, as ac('on', …) does, so a dispatch
//   carries no string.
// - `wasmMemoryBytes()`: the size of the wasm memory.
import { dispatch } from '../js/listeners.js';

export function installBenchHook(api, wasm, memory) {
  const topics = new Map();
  let lastName;
  let lastTopic = 0;
  const topic = (name) => {
    if (name === lastName) return lastTopic;
    let t = topics.get(name);
    if (t === undefined) topics.set(name, (t = wasm.acBenchTopic(name)));
    lastName = name;
    return (lastTopic = t);
  };
  Object.defineProperty(api, '__bench', {
    value: {
      emit: (name, payload) => {
        const t = topic(name);
        if (t === 0) return;
        let done = dispatch(t - 1, payload);
        if (done === undefined && wasm.acBenchPrepare(t) !== 0) done = dispatch(t - 1, payload);
        if (typeof done === 'number') wasm.acBenchFinish(t, done, payload);
      },
      wasmMemoryBytes: () => memory.buffer.byteLength,
    },
  });
}
