// Wav2Vec2 forward passes: real-time factor, achieved GFLOP/s and time per stage for the base and
// large shapes at several lengths, against the sgemm-bound time measured just before each run.

import Foundation
import SafeTensors
import TensorKernels
import Wav2Vec2

func benchmarkWav2Vec2(settings: Settings) throws -> Section {
    var entries: [String] = []
    var lines: [String] = []
    let configs = settings.model != nil ? ["model"] : settings.configs
    for name in configs {
        let folder = try settings.model.map { URL(fileURLWithPath: $0) } ?? writeRandomModel(standardConfig(name))
        defer { if settings.model == nil { try? FileManager.default.removeItem(at: folder) } }
        // Before the peak is reset: the scan maps the file a second time.
        let check = try finiteCheckTiming(folder.appendingPathComponent("model.safetensors").path, runs: settings.runs)
        let peakIsPerModel = resetPeakResident()  // not the random model just written, nor the scan
        let loadTiming = try Timing(runs: 1, warmUp: true) { _ = try Wav2Vec2Classifier(folder: folder.path) }
        let model = try Wav2Vec2Classifier(folder: folder.path)
        let mappedMB = Double(model.weightMemory.mappedBytes) / 1_048_576, copiedMB = Double(model.weightMemory.copiedBytes) / 1_048_576
        lines.append("wav2vec2 \(name): load \(format(loadTiming.median, 2)) s (warm page cache), of which the NaN/Inf scan of the "
            + "weights \(format(check.median, 3)) s (\(format(check.minimum, 3))-\(format(check.maximum, 3))); weights "
            + "\(format(mappedMB, 0)) MB used in place from the mapped file, \(format(copiedMB, 0)) MB copied")
        for seconds in settings.lengths {
            let audio = try speechRecording(seconds: seconds)
            let flops = model.config.flops(samples: audio.count)
            let total = flops.featureEncoder + flops.positionalConv + flops.encoderLayers
            // The machine is shared: another tenant can take a core for seconds. So every run is
            // preceded by a short sgemm probe, and the run is compared with the floor measured
            // just before it (the per-run ratios are what "x floor" reports).
            var stages: [ForwardTimings] = []
            var times: [Double] = [], ratios: [Double] = [], probes: [Double] = []
            _ = try model.classify(audio)  // warm-up
            for _ in 0..<settings.runs {
                let probe = benchmarkSgemm(runs: 3).median
                let start = DispatchTime.now().uptimeNanoseconds
                stages.append(try model.classify(audio).timings)
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                times.append(elapsed)
                probes.append(probe)
                ratios.append(elapsed / (total / (probe * 1e9)))
            }
            let timing = Timing(sorted: times), ratio = Timing(sorted: ratios)
            let median = stages.sorted { ($0.featureEncoderSeconds + $0.encoderLayersSeconds) < ($1.featureEncoderSeconds + $1.encoderLayersSeconds) }[stages.count / 2]
            let rtf = timing.scaled(1 / seconds)
            let probeMedian = Timing(sorted: probes).median
            let floor = total / (probeMedian * 1e9) / seconds
            // Since loading this model (mapped weights as they are touched + activations), when
            // the peak could be reset after the random model was written; -1 otherwise.
            let modelPeak = peakIsPerModel ? peakResidentMB() : -1
            entries.append("""
                {"config": "\(name)", "audio_s": \(format(seconds, 1)), "rtf": \(format(rtf.median, 4)), \
                "rtf_min": \(format(rtf.minimum, 4)), "rtf_max": \(format(rtf.maximum, 4)), \
                "gflops": \(format(total / timing.median / 1e9, 1)), "model_gflop": \(format(total / 1e9, 1)), \
                "sgemm_floor_rtf": \(format(floor, 4)), "sgemm_probe_gflops": \(format(probeMedian, 1)), \
                "ratio_to_floor": \(format(ratio.median, 3)), "ratio_to_floor_min": \(format(ratio.minimum, 3)), "ratio_to_floor_max": \(format(ratio.maximum, 3)), \
                "load_s": \(format(loadTiming.median, 2)), "finite_check_s": \(format(check.median, 4)), "weights_mapped_mb": \(format(mappedMB, 1)), "weights_copied_mb": \(format(copiedMB, 1)), "model_peak_rss_mb": \(format(modelPeak, 1)), \
                "stages": {"feature_encoder": \(format(median.featureEncoderSeconds, 4)), "positional_conv": \(format(median.positionalConvSeconds, 4)), \
                "encoder_layers": \(format(median.encoderLayersSeconds, 4)), "head": \(format(median.headSeconds, 5))}}
                """)
            lines.append("  \(format(seconds, 0)) s: RTF \(format(rtf.median, 3)) (\(format(rtf.minimum, 3))-\(format(rtf.maximum, 3))), "
                + "\(format(total / timing.median / 1e9, 1)) GFLOP/s, floor RTF \(format(floor, 3)) at \(format(probeMedian, 0)) GFLOP/s, "
                + "x\(format(ratio.median, 2)) floor (\(format(ratio.minimum, 2))-\(format(ratio.maximum, 2)), per run); "
                + "stages: convs \(format(median.featureEncoderSeconds, 3)) s, pos \(format(median.positionalConvSeconds, 3)) s, "
                + "layers \(format(median.encoderLayersSeconds, 3)) s, head \(format(median.headSeconds, 4)) s"
                + (modelPeak >= 0 ? "; peak RSS since load \(format(modelPeak, 0)) MB" : ""))
        }
    }
    return Section(json: "[" + entries.joined(separator: ", ") + "]", lines: lines)
}

/// Time of the load-time NaN/Inf scan alone: every F32 tensor of the file through the same
/// `firstNonFiniteIndex` the loader runs (pages already in the page cache, as for `load`).
func finiteCheckTiming(_ path: String, runs: Int) throws -> Timing {
    let file = try SafeTensorsFile(path: path)
    return try Timing(runs: runs, warmUp: true) {
        for name in file.tensorNames {
            guard let values = try file.floatsInPlace(name), let start = values.baseAddress else { continue }
            precondition(firstNonFiniteIndex(start, count: values.count) == nil)
        }
    }
}
