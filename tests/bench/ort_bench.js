#!/usr/bin/env node
/*
 * ort_bench.js - times one ONNX model in ONNX Runtime (onnxruntime-node) the
 * way `onnxcc bench` times the generated code: one thread, every graph
 * optimization, sequential execution, random float inputs with every
 * symbolic dimension fed as 1; a warm-up of at least 0.1 s and 2 calls, then
 * N timed calls of session.run (default: as many as take about 1 s, at least
 * 10), each timed with process.hrtime; prints one JSON line with the median
 * and the minimum in microseconds.
 *
 *   node ort_bench.js MODEL.onnx [--iterations N] [--floor FLOOR.onnx]
 *
 * --floor also times ORT's per-call floor: FLOOR.onnx (make_floor.py) is one
 * node with a float input [1, D], D the model's input elements, and an output
 * of the model's output element count, so the same bytes go in and come out
 * of a session.run that computes nothing. Its
 * calls (as many as take about 1 s, at least 10) alternate with the model's
 * in up to 50 blocks, so a change of load on the machine touches both alike;
 * floor_median_us and floor_min_us join the JSON line.
 * NODE_PATH (or a node_modules above this file) must hold onnxruntime-node.
 */
'use strict';

const ort = require('onnxruntime-node');

function usage(msg) {
    process.stderr.write('ort_bench.js: ' + msg + '\n' +
        'usage: node ort_bench.js MODEL.onnx [--iterations N] [--floor FLOOR.onnx]\n');
    process.exit(2);
}

function parseArgs(argv) {
    const a = { model: null, iterations: 0, floor: null };
    for (let i = 0; i < argv.length; i++) {
        const o = argv[i];
        if (o === '--iterations') {
            const v = Number(argv[++i]);
            if (!Number.isInteger(v) || v < 1) usage(o + ' needs a whole number from 1');
            a.iterations = v;
        } else if (o === '--floor') {
            if (i + 1 >= argv.length) usage(o + ' needs a model');
            a.floor = argv[++i];
        } else if (o.startsWith('-')) {
            usage('unknown option ' + o);
        } else if (!a.model) {
            a.model = o;
        } else {
            usage('unexpected argument ' + o);
        }
    }
    if (!a.model) usage('MODEL.onnx is required');
    return a;
}

/* The same generator as the onnxcc harness: uniform in [-1, 1). */
let rng = 0x9E3779B97F4A7C15n;
function frand() {
    const M = (1n << 64n) - 1n;
    rng ^= rng >> 12n;
    rng = (rng ^ (rng << 25n)) & M;
    rng ^= rng >> 27n;
    const r = (rng * 2685821657736338717n) & M;
    return Number(r >> 40n) * (2.0 / 16777216.0) - 1.0;
}

function makeInput(meta, shape) {
    if (!meta.isTensor) throw new Error('input ' + meta.name + ' is not a tensor');
    shape = shape || meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    const n = shape.reduce((p, d) => p * d, 1);
    if (meta.type === 'float32') {
        const data = new Float32Array(n);
        for (let k = 0; k < n; k++) data[k] = frand();
        return new ort.Tensor('float32', data, shape);
    }
    if (meta.type === 'int64') return new ort.Tensor('int64', new BigInt64Array(n), shape);
    throw new Error('input ' + meta.name + ' has type ' + meta.type);
}

function nowUs() {
    return Number(process.hrtime.bigint()) / 1e3;
}

function stats(t) {
    t.sort();
    const n = t.length;
    return { median: n % 2 ? t[(n - 1) / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]), min: t[0] };
}

const OPTIONS = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
};

async function main() {
    const a = parseArgs(process.argv.slice(2));
    const session = await ort.InferenceSession.create(a.model, OPTIONS);
    const feeds = {};
    let elements = 0;
    for (const meta of session.inputMetadata) {
        feeds[meta.name] = makeInput(meta);
        elements += feeds[meta.name].size;
    }
    let floor = null;
    const floorFeeds = {};
    if (a.floor) {
        floor = await ort.InferenceSession.create(a.floor, OPTIONS);
        floorFeeds[floor.inputNames[0]] = makeInput(floor.inputMetadata[0]);
        if (floorFeeds[floor.inputNames[0]].size !== elements)
            throw new Error(a.floor + ' takes ' + floorFeeds[floor.inputNames[0]].size +
                            ' input floats, the model ' + elements);
    }
    /* warm-up: each session for at least 0.1 s and 2 calls */
    async function warmup(sess, f) {
        let n = 0;
        const t0 = nowUs();
        do {
            await sess.run(f);
            n++;
        } while (n < 2 || nowUs() - t0 < 1e5);
        return { n: n, per: (nowUs() - t0) / n };
    }
    const wm = await warmup(session, feeds);
    const wf = floor ? await warmup(floor, floorFeeds) : null;
    const auto = (per) => Math.min(1000000, Math.max(10, Math.floor(1e6 / per)));
    const iters = a.iterations || auto(wm.per);
    const fiters = floor ? a.iterations || auto(wf.per) : 0;
    /* timed calls in blocks, the model's and the floor's alternating, so
     * both see the same load on the machine and mostly warm caches */
    const blocks = Math.max(1, Math.min(50, iters, fiters || iters));
    const tm = [], tf = [];
    for (let b = 0; b < blocks; b++) {
        const nm = Math.floor(iters * (b + 1) / blocks) - Math.floor(iters * b / blocks);
        const nf = Math.floor(fiters * (b + 1) / blocks) - Math.floor(fiters * b / blocks);
        for (let i = 0; i < nm; i++) {
            const s = nowUs();
            await session.run(feeds);
            tm.push(nowUs() - s);
        }
        for (let i = 0; i < nf; i++) {
            const s = nowUs();
            await floor.run(floorFeeds);
            tf.push(nowUs() - s);
        }
    }
    const warm = wm.n;
    const m = stats(Float64Array.from(tm));
    const out = {
        model: a.model, ort_version: ort.env.versions.node || ort.env.versions.common,
        iterations: iters, warmup: warm, input_elements: elements,
        median_us: m.median, min_us: m.min,
    };
    if (floor) {
        const f = stats(Float64Array.from(tf));
        out.floor_iterations = fiters;
        out.floor_median_us = f.median;
        out.floor_min_us = f.min;
        await floor.release();
    }
    await session.release();
    console.log(JSON.stringify(out));
}

main().catch((e) => {
    process.stderr.write('ort_bench.js: ' + (e && e.message ? e.message : e) + '\n');
    process.exit(1);
});
