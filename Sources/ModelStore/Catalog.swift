// The emotion checkpoints this library is tested with, by short name.

/// A known emotion checkpoint on the Hugging Face hub.
public struct CatalogModel: Sendable, Codable, Equatable {
    /// Short name (`voice-emotion models pull NAME`, the folder name under the model store).
    public let name: String
    /// Hub repository, `owner/name`.
    public let repository: String
    /// Revision pulled by default (a branch; the hub resolves it to its latest commit).
    public let revision: String
    /// The architecture and head, in words.
    public let architecture: String
    /// Output labels in the model's order.
    public let labels: [String]
    /// Download size in bytes (approximate, F32).
    public let approximateBytes: Int
    /// Licence, as the model card states it.
    public let licence: String
    /// Whether the licence allows commercial use (audeering's does not).
    public let allowsCommercialUse: Bool

    /// The four checkpoints of Weights/README.md.
    public static let all: [CatalogModel] = [
        CatalogModel(
            name: "ehcalabres", repository: "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition", revision: "main",
            architecture: "wav2vec2 XLSR large (24 layers), legacy dense head (tanh)",
            labels: ["angry", "calm", "disgust", "fearful", "happy", "neutral", "sad", "surprised"],
            approximateBytes: 1_270_000_000, licence: "Apache-2.0", allowsCommercialUse: true),
        CatalogModel(
            name: "superb-base", repository: "superb/wav2vec2-base-superb-er", revision: "main",
            architecture: "wav2vec2 base (12 layers), weighted layer sum + projector",
            labels: ["neu", "hap", "ang", "sad"], approximateBytes: 380_000_000, licence: "Apache-2.0", allowsCommercialUse: true),
        CatalogModel(
            name: "superb-hubert", repository: "superb/hubert-large-superb-er", revision: "main",
            architecture: "HuBERT large (24 layers), weighted layer sum + projector",
            labels: ["neu", "hap", "ang", "sad"], approximateBytes: 1_260_000_000, licence: "Apache-2.0", allowsCommercialUse: true),
        CatalogModel(
            name: "audeering", repository: "audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim", revision: "main",
            architecture: "wav2vec2 large-robust pruned to 12 layers, legacy dense head, regression",
            labels: ["arousal", "dominance", "valence"], approximateBytes: 660_000_000,
            licence: "CC BY-NC-SA 4.0 (non-commercial)", allowsCommercialUse: false),
    ]

    /// The model the quick start and `analyze` suggest: the one the tutorial uses.
    public static let defaultName = "ehcalabres"

    /// The catalogue entry for a short name or its repository.
    public static func named(_ name: String) -> CatalogModel? {
        all.first { $0.name == name || $0.repository == name }
    }
}
