// What `import VoiceEmotion` brings: the types its API names, so an app needs no other import
// (the error vocabulary, VAD options and results, model options, audio formats, the model store,
// the voice markers, the thread setting).

@_exported import AudioInput
@_exported import ModelStore
@_exported import Prosody
@_exported import SileroVAD
@_exported import enum TensorKernels.ComputeThreads
@_exported import VoiceEmotionCore
@_exported import Wav2Vec2
