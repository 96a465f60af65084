#!/usr/bin/env node
/*
 * type_survey_ort.js - the ONNX Runtime half of type_survey.py: runs each
 * one-node model of a job list and writes its outputs as raw little-endian
 * files, so the survey can turn them into output_K.pb reference files.
 *
 *   node type_survey_ort.js JOBS.json
 *
 * JOBS.json: [{"model": PATH, "inputs": [{"name", "type", "dims", "file"}],
 * "outdir": DIR}, ...]; type is an onnxruntime-node tensor type name
 * ("float32", "int64", "float16", "bool", ...). For each job it writes
 * DIR/ort.json: {"outputs": [{"name", "type", "dims", "file"}]} or
 * {"error": MESSAGE} when ONNX Runtime refuses or fails the model.
 * NODE_PATH (or a node_modules above this file) must hold onnxruntime-node.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const ARRAYS = {
    float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array,
    int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
    int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array, float16: Uint16Array,
};

function load(inp) {
    const buf = fs.readFileSync(inp.file);
    const A = ARRAYS[inp.type];
    const n = inp.dims.reduce((a, b) => a * b, 1);
    const copy = new Uint8Array(n * A.BYTES_PER_ELEMENT);
    copy.set(buf.subarray(0, copy.length));
    return new ort.Tensor(inp.type, new A(copy.buffer), inp.dims);
}

async function run(job) {
    const session = await ort.InferenceSession.create(job.model,
        {graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 4});
    const feeds = {};
    for (const inp of job.inputs)
        feeds[inp.name] = load(inp);
    const res = await session.run(feeds);
    const outs = [];
    session.outputNames.forEach((name, k) => {
        const t = res[name];
        const file = path.join(job.outdir, `ort_${k}.raw`);
        const data = t.data;
        fs.writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
        outs.push({name, type: t.type, dims: Array.from(t.dims), file});
    });
    return {outputs: outs};
}

(async () => {
    const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
    for (const job of jobs) {
        let r;
        try {
            r = await run(job);
        } catch (e) {
            r = {error: String(e && e.message ? e.message : e).split('\n')[0]};
        }
        fs.writeFileSync(path.join(job.outdir, 'ort.json'), JSON.stringify(r));
    }
})();
