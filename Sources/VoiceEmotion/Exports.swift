// What `import VoiceEmotion` brings: the types its API names, so an app needs no other import
// (the error vocabulary, VAD options and results, model options, audio formats, the voice
// markers' summary, the thread setting). Not the model store (its own product,
// `VoiceEmotionModels`: URLSession and the checkpoint reader), nor the markers' internals.

@_exported import AudioInput
@_exported import struct Prosody.ProsodySummary
@_exported import SileroVAD
@_exported import enum TensorKernels.ComputeThreads
@_exported import VoiceEmotionCore
@_exported import Wav2Vec2
