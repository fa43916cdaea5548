// The native PyTorch checkpoint reader against torch itself (Fixtures/make_torch_fixtures.py):
// every tensor byte-identical to torch's `.contiguous()`, malicious pickles refused without
// running anything, broken archives as typed errors, and conversion equal to the Python converter.

import Foundation
import SafeTensors
import TestSupport
import Testing
import TorchCheckpoint
import VoiceEmotionCore
import Wav2Vec2

let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

@Suite struct ReaderTests {
    /// F32, F16, BF16, F64, int64 and bool tensors, a tied weight, an offset into a shared storage,
    /// a transposed view, a scalar, an empty tensor, a Parameter, and `_metadata`: each equals
    /// torch's `.contiguous()` byte for byte, with its dtype and shape.
    @Test func everyTensorMatchesTorch() throws {
        let checkpoint = try TorchCheckpoint(path: fixture("state.bin"))
        let reference = try SafeTensorsFile(path: fixture("state_reference.safetensors"))
        #expect(checkpoint.names == ["f32", "tied", "f16.offset", "f16.whole", "f32.transposed", "bf16", "f64", "int64.buffer",
                                     "bool", "scalar", "empty", "param"])
        for name in checkpoint.names {
            let info = try reference.info(name)
            #expect(try checkpoint.shape(name) == info.shape, "\(name)")
            let expected = [UInt8](try reference.rawBytes(name))
            #expect(try checkpoint.contiguousBytes(name) == expected, "\(name)")
            // bf16 is stored in the reference as its int16 bits; every other dtype as itself.
            #expect(try checkpoint.dtype(name) == (name == "bf16" ? .bfloat16 : info.dtype), "\(name)")
        }
        #expect(try checkpoint.floats("tied") == checkpoint.floats("f32"))
        #expect(try checkpoint.floats("f16.offset") == Array(checkpoint.floats("f16.whole")[4..<10]))
    }

    /// A pickle that would run code is refused, naming what it refers to; nothing is run.
    @Test(arguments: [("malicious_os_system.bin", "posix.system"), ("malicious_eval.bin", "builtins.eval"),
                      ("malicious_popen.bin", "subprocess.Popen"), ("malicious_reduce_storage.bin", "torch.FloatStorage (called)")])
    func maliciousPicklesAreRefused(_ name: String, _ global: String) {
        #expect(throws: VoiceEmotionError.unsafePickle(path: fixture(name), global: global)) { try TorchCheckpoint(path: fixture(name)) }
    }

    @Test(arguments: [
        ("bad_truncated.bin", "not a zip archive (no end-of-central-directory record; truncated?)"),
        ("bad_short_storage.bin", "tensor 'w' has a storage of 16 bytes where 8 FloatStorage elements need 32"),
        ("bad_absurd_shape.bin", "tensor 'w' has an absurd shape [1099511627776, 1099511627776]"),
        ("bad_view_past_storage.bin", "tensor 'w' with shape [2, 2], stride [2, 1] and offset 2 reaches past its storage of 4 elements"),
        ("bad_deflated.bin", "entry 'archive/data.pkl' is compressed (method 8); torch.save stores entries uncompressed"),
        ("bad_nested.bin", "data.pkl: values nested more than 100 deep"),
        ("bad_item_by_item.bin", "data.pkl: updates its containers element by element far more than a state dict does"),
        ("bad_fuzz_short_zip64.bin", "broken Zip64 end-of-central-directory record"),
        ("bad_legacy.bin", "the legacy (torch < 1.6) format, which is not a zip archive; convert it with Weights/convert_wav2vec2.py, or re-save it with torch >= 1.6"),
        // The second hostile round (make_hostile_fixtures.py): traps, 1 GB from 520 bytes, a random choice.
        ("hostile_empty_far_offset.bin", "tensor 'w' has offset 4611686018427387904 beyond its storage of 1 elements"),
        ("hostile_stride0_three.bin",
         "tensor 'w0' repeats one element 1152921504606846975 times (a stride-0 dimension of size 1152921504606846975); a model weight never does"),
        ("hostile_stride0_huge.bin", "tensor 'w' repeats one element 17179869184 times (a stride-0 dimension of size 17179869184); a model weight never does"),
        ("hostile_amplified.bin", "tensor 'w' repeats one element 268435456 times (a stride-0 dimension of size 268435456); a model weight never does"),
        ("hostile_shared_views.bin",
         "its tensors would take 8388608 bytes written out, more than 4x the 65536 bytes of data it holds (views repeating one storage)"),
        ("hostile_two_pickles.bin", "2 data.pkl records (archive/data.pkl, other/data.pkl); torch.save writes one"),
        ("hostile_metadata_name.bin", "a tensor named '__metadata__', which safetensors reserves"),
    ])
    func brokenArchivesAreTypedErrors(_ name: String, _ reason: String) {
        #expect(throws: VoiceEmotionError.invalidTorchCheckpoint(path: fixture(name), reason: reason)) { try TorchCheckpoint(path: fixture(name)) }
    }

    /// `models convert` used to follow a link planted at DST/model.safetensors.partial and write
    /// through it; the partial file is opened with O_NOFOLLOW | O_EXCL, and the link's target is untouched.
    @Test func aLinkAtThePartialNameIsNotFollowed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("convert-link-\(UUID())")
        let destination = folder.appendingPathComponent("dst"), victim = folder.appendingPathComponent("victim.txt")
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("precious".utf8).write(to: victim)
        try FileManager.default.createSymbolicLink(atPath: destination.appendingPathComponent("model.safetensors.partial").path, withDestinationPath: victim.path)
        #expect(throws: VoiceEmotionError.writeFailed(path: destination.appendingPathComponent("model.safetensors.partial").path,
                                                      reason: "something that is not a regular file is in the way (a link?); remove it and retry")) {
            try ModelConversion.convert(source: fixture("hub_bin"), destination: destination.path)
        }
        #expect(try String(contentsOf: victim, encoding: .utf8) == "precious")
        #expect(!FileManager.default.fileExists(atPath: destination.appendingPathComponent("model.safetensors").path))
        // A regular file left by an interrupted conversion is replaced.
        try FileManager.default.removeItem(at: destination.appendingPathComponent("model.safetensors.partial"))
        try Data("half".utf8).write(to: destination.appendingPathComponent("model.safetensors.partial"))
        try ModelConversion.convert(source: fixture("hub_bin"), destination: destination.path)
        #expect(FileManager.default.fileExists(atPath: destination.appendingPathComponent("model.safetensors").path))
    }

    /// Memory bounded by the pickle's own size: 10 MB of memo operations used to take 1.77 GB,
    /// 50 MB of MARKs 608 MB; both now stop at their limits, early.
    @Test func memoAndMarkFloodsStopEarly() {
        var memoFlood: [UInt8] = [0x80, 0x04]  // protocol 4, then NONE MEMOIZE, over and over
        for _ in 0..<(3 << 20) / 2 { memoFlood += [0x4E, 0x94] }
        memoFlood.append(0x2E)
        memoFlood.withUnsafeBytes { raw in
            var unpickler = Unpickler(path: "memo.pkl", bytes: raw)
            #expect(throws: VoiceEmotionError.invalidTorchCheckpoint(path: "memo.pkl", reason: "data.pkl: more than 397312 memo entries for 3145731 bytes")) {
                try unpickler.run()
            }
        }
        let markFlood: [UInt8] = [0x80, 0x02] + [UInt8](repeating: 0x28, count: 1 << 20) + [0x2E]
        markFlood.withUnsafeBytes { raw in
            var unpickler = Unpickler(path: "mark.pkl", bytes: raw)
            #expect(throws: VoiceEmotionError.invalidTorchCheckpoint(path: "mark.pkl", reason: "data.pkl: more than 10000 marks open at once")) {
                try unpickler.run()
            }
        }
    }

    /// A flipped byte in a storage opens (the index is intact) but fails when the storage is read.
    @Test func corruptStorageFailsItsCRC() throws {
        let checkpoint = try TorchCheckpoint(path: fixture("bad_crc.bin"))
        #expect(throws: VoiceEmotionError.invalidTorchCheckpoint(path: fixture("bad_crc.bin"),
                                                                 reason: "entry 'state/data/0' fails its CRC-32 check (corrupt download?)")) {
            try checkpoint.contiguousBytes("f32")
        }
    }
}

@Suite struct ConversionTests {
    func tensors(_ path: String) throws -> [String: (SafeTensorsDType, [Int], [UInt8])] {
        let file = try SafeTensorsFile(path: path)
        var result: [String: (SafeTensorsDType, [Int], [UInt8])] = [:]
        for name in file.tensorNames { result[name] = (try file.info(name).dtype, try file.info(name).shape, [UInt8](try file.rawBytes(name))) }
        return result
    }

    /// `pytorch_model.bin` -> model.safetensors equals Weights/convert_wav2vec2.py's output tensor
    /// for tensor (names, dtypes, shapes, bytes), in F32 and F16, and the model gives the same logits.
    @Test(arguments: [ConvertedPrecision.f32, .f16])
    func conversionEqualsThePythonConverter(_ precision: ConvertedPrecision) throws {
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("converted-\(UUID())")
        defer { try? FileManager.default.removeItem(at: destination) }
        var fractions: [Double] = []
        let count = try ModelConversion.convert(source: fixture("hub_bin"), destination: destination.path, precision: precision) { fractions.append($0) }
        let pythonFolder = precision == .f32
            ? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Wav2Vec2Tests/Fixtures/legacy_xlsr").path
            : fixture("python_f16")
        let ours = try tensors(destination.appendingPathComponent("model.safetensors").path)
        let theirs = try tensors(pythonFolder + "/model.safetensors")
        #expect(count == theirs.count && Set(ours.keys) == Set(theirs.keys))
        for (name, value) in theirs {
            #expect(ours[name]?.0 == value.0 && ours[name]?.1 == value.1 && ours[name]?.2 == value.2, "\(name)")
        }
        #expect(fractions.last == 1 && fractions == fractions.sorted())
        let samples = (0..<16000).map { Float(sin(Double($0) * 0.031)) * 0.4 }
        let converted = try Wav2Vec2Classifier(folder: destination.path).classify(samples).logits
        #expect(converted == (try Wav2Vec2Classifier(folder: pythonFolder).classify(samples).logits))
    }
}

/// CRC-32 of buffers above and below the two-thread threshold against zlib's, read from the
/// trailer of `gzip` output (CRC-32 and length, little-endian, in its last 8 bytes).
@Test func crc32MatchesZlib() throws {
    var generator = SplitMix64(seed: 32)
    for count in [0, 1, 15, 17, 1_000, (8 << 20) + 12_345] {
        var bytes = [UInt8](repeating: 0, count: count)
        for i in stride(from: 0, to: count, by: 8) {
            let word = generator.next()
            for k in 0..<min(8, count - i) { bytes[i + k] = UInt8(truncatingIfNeeded: word >> (8 * k)) }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("crc-\(UUID())")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-1", "-c", file.path]
        let output = Pipe()
        gzip.standardOutput = output
        try gzip.run()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        let trailer = [UInt8](compressed.suffix(8))
        let expected = (0..<4).reduce(UInt32(0)) { $0 | UInt32(trailer[$1]) << (8 * $1) }
        #expect(bytes.withUnsafeBytes { CRC32.checksum($0) } == expected, "\(count) bytes")
        // Two pieces, combined, give the same.
        let cut = count / 3
        let combined = bytes.withUnsafeBytes { raw in
            CRC32.combine(CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[..<cut])),
                          CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[cut...])), secondLength: count - cut)
        }
        #expect(combined == expected, "\(count) bytes in two pieces")
    }
}
