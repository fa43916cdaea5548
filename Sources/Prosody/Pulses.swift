// Glottal pulses and the cycle-to-cycle perturbation measured on them, following the
// descriptions in Praat's manual ("Sound & Pitch: To PointProcess (cc)", "Voice 2. Jitter",
// "Voice 3. Shimmer"): in each voiced stretch of the pitch contour, a first pulse at the largest
// amplitude around its middle, then pulse after pulse 0.8-1.2 periods away where the waveform
// best matches the previous cycle; jitter and shimmer compare consecutive periods. Where the
// manual is silent (how far a pulse keeps its fraction of a sample, what a period's amplitude
// is), the choices were fitted against Praat's output frame by frame (Docs/Prosody.md).

import Foundation

/// Finds glottal pulses.
public enum Pulses {
    /// Pulse times (seconds in the recording) in the voiced stretches of `pitch`. `samples` are
    /// samples `offset ..< offset + samples.count` of the recording.
    public static func find(_ samples: [Float], sampleRate: Int, pitch: PitchContour, offset: Int = 0) -> [Double] {
        let dx = 1 / Double(sampleRate)
        let x1 = (Double(offset) + 0.5) * dx  // time of samples[0]
        let f0 = pitch.frequencies
        var pulses: [Double] = []
        var k = 0
        while k < f0.count {
            guard f0[k] > 0 else { k += 1; continue }
            var last = k
            while last + 1 < f0.count && f0[last + 1] > 0 { last += 1 }
            let from = max(x1, pitch.startTime + (Double(k) - 0.5) * pitch.timeStep)
            let to = min(x1 + Double(samples.count - 1) * dx, pitch.startTime + (Double(last) + 0.5) * pitch.timeStep)
            if to > from { pulses += stretch(samples, dx: dx, x1: x1, from: from, to: to, pitch: pitch, frames: k...last) }
            k = last + 1
        }
        return pulses
    }

    /// The period at `time`, linearly interpolated between the voiced frames of `frames`.
    static func period(at time: Double, pitch: PitchContour, frames: ClosedRange<Int>) -> Double {
        let position = (time - pitch.startTime) / pitch.timeStep
        let below = min(max(Int(position.rounded(.down)), frames.lowerBound), frames.upperBound)
        let above = min(below + 1, frames.upperBound)
        let fraction = min(max(position - Double(below), 0), 1)
        let frequency = pitch.frequencies[below] + (pitch.frequencies[above] - pitch.frequencies[below]) * fraction
        return 1 / frequency
    }

    static func stretch(_ samples: [Float], dx: Double, x1: Double, from: Double, to: Double, pitch: PitchContour,
                        frames: ClosedRange<Int>) -> [Double] {
        func index(_ time: Double) -> Int { Int(((time - x1) / dx).rounded()) }
        func value(_ i: Int) -> Double { i >= 0 && i < samples.count ? Double(samples[i]) : 0 }
        // The first pulse: the largest absolute sample within half a period of the middle.
        let middle = 0.5 * (from + to)
        let half = 0.5 * period(at: middle, pitch: pitch, frames: frames)
        var first = max(0, index(middle - half))
        for i in max(0, index(middle - half))...min(samples.count - 1, index(middle + half)) where abs(value(i)) > abs(value(first)) { first = i }
        // Between samples, by the parabola through the extremum and its neighbours.
        var start = x1 + Double(first) * dx
        if first > 0 && first + 1 < samples.count {
            let (left, centre, right) = (abs(value(first - 1)), abs(value(first)), abs(value(first + 1)))
            let curvature = left - 2 * centre + right
            if curvature < 0 { start += 0.5 * (left - right) / curvature * dx }
        }
        var found: [(time: Double, strength: Double)] = [(start, 1)]
        for direction in [-1.0, 1.0] {
            var previous = start
            while true {
                let period = period(at: previous, pitch: pitch, frames: frames)
                let length = max(2, Int((period / dx).rounded()))
                let low = index(previous + direction * 0.8 * period), high = index(previous + direction * 1.2 * period)
                let anchor = index(previous)
                let lowest = min(low, high)
                let correlations = correlations(samples, anchor - length / 2, from: lowest - length / 2, through: max(low, high) - length / 2, length)
                let bestIndex = correlations.indices.max { correlations[$0] < correlations[$1] }!
                let best = correlations[bestIndex]
                // The lag from the previous pulse (whose own fraction of a sample is kept), refined
                // by a parabola through the neighbouring lags.
                var time = previous + Double(lowest + bestIndex - anchor) * dx
                if bestIndex > 0 && bestIndex + 1 < correlations.count {
                    let (left, right) = (correlations[bestIndex - 1], correlations[bestIndex + 1])
                    let curvature = left - 2 * best + right
                    if curvature < 0 { time += 0.5 * (left - right) / curvature * dx }
                }
                guard time >= from && time <= to else { break }
                found.append((time, best))
                previous = time
            }
        }
        return found.filter { $0.strength >= 0.3 }.map(\.time).sorted()
    }

    /// Normalised cross-correlations of the `length` samples from `a` with those from every
    /// start `first...last`; samples outside the recording are zeros.
    static func correlations(_ samples: [Float], _ a: Int, from first: Int, through last: Int, _ length: Int) -> [Double] {
        samples.withUnsafeBufferPointer { x in
            func value(_ i: Int) -> Double { i >= 0 && i < x.count ? Double(x[i]) : 0 }
            var energyA = 0.0
            for j in 0..<length { energyA += value(a + j) * value(a + j) }
            // The lagged stretch's energy slides along; only the products are summed afresh.
            var energyB = 0.0
            for j in 0..<length { energyB += value(first + j) * value(first + j) }
            var result: [Double] = []
            result.reserveCapacity(last - first + 1)
            for b in first...last {
                if b > first { energyB += value(b + length - 1) * value(b + length - 1) - value(b - 1) * value(b - 1) }
                var product = 0.0
                let low = max(0, -a, -b), high = min(length, x.count - a, x.count - b)
                if low < high { for j in low..<high { product += Double(x[a + j]) * Double(x[b + j]) } }
                let energy = energyA * energyB
                result.append(energy > 0 ? product / energy.squareRoot() : 0)
            }
            return result
        }
    }
}

/// Cycle-to-cycle perturbation of a stretch of voice, as sums that pool across segments.
public struct Perturbation: Sendable, Equatable {
    /// Sums of |ΔT| over counted period pairs, of the periods in counted pairs, and their counts.
    var periodDifferences = 0.0, pairCount = 0, periodSum = 0.0, periodCount = 0
    /// Sums of |ΔA| and |20·log10(A₂/A₁)| over counted amplitude pairs, of the pulses'
    /// amplitudes, and their counts.
    var amplitudeDifferences = 0.0, decibelDifferences = 0.0, amplitudePairCount = 0, amplitudeSum = 0.0, amplitudeCount = 0

    /// Praat's defaults: periods between 0.1 and 20 ms count; neighbours differing by more than
    /// a factor 1.3 in period (1.6 in amplitude) are not compared.
    public static let shortestPeriod = 0.0001, longestPeriod = 0.02, maximumPeriodFactor = 1.3, maximumAmplitudeFactor = 1.6
    /// Half-width of the window an amplitude is measured over, in periods.
    static let amplitudeReach = 0.15

    /// No periods.
    public init() {}

    /// The perturbation of the periods between consecutive `pulses` (seconds in the recording).
    /// Jitter compares consecutive periods. Shimmer compares the amplitudes at consecutive pulses
    /// that sit between two comparable periods: the RMS of the waveform under a Hann window
    /// reaching 0.15 of the local period to each side of the pulse. `samples` are samples
    /// `offset ..< offset + samples.count` of the recording.
    public init(pulses: [Double], samples: [Float], sampleRate: Int, offset: Int = 0) {
        let dx = 1 / Double(sampleRate)
        let periods = zip(pulses, pulses.dropFirst()).map { $1 - $0 }
        func valid(_ i: Int) -> Bool { periods[i] >= Self.shortestPeriod && periods[i] <= Self.longestPeriod }
        func ratio(_ a: Double, _ b: Double) -> Double { max(a, b) / min(a, b) }
        func comparable(_ i: Int) -> Bool { valid(i) && valid(i - 1) && ratio(periods[i], periods[i - 1]) <= Self.maximumPeriodFactor }
        var paired = [Bool](repeating: false, count: periods.count)
        for i in periods.indices.dropFirst() where comparable(i) {
            periodDifferences += abs(periods[i] - periods[i - 1]); pairCount += 1
            paired[i] = true; paired[i - 1] = true
        }
        for i in periods.indices where paired[i] { periodSum += periods[i]; periodCount += 1 }
        // Amplitudes at the pulses between two comparable periods (pulse i sits between periods i − 1 and i).
        var previous: (pulse: Int, amplitude: Double)?
        for i in periods.indices.dropFirst() where comparable(i) {
            let amplitude = Self.amplitude(samples, dx: dx, offset: offset, at: pulses[i], reach: Self.amplitudeReach * 0.5 * (pulses[i + 1] - pulses[i - 1]))
            guard amplitude > 0 else { previous = nil; continue }
            amplitudeSum += amplitude; amplitudeCount += 1
            if let (pulse, before) = previous, pulse == i - 1, ratio(amplitude, before) <= Self.maximumAmplitudeFactor {
                amplitudeDifferences += abs(amplitude - before); decibelDifferences += abs(20 * log10(amplitude / before)); amplitudePairCount += 1
            }
            previous = (i, amplitude)
        }
    }

    /// The Hann-weighted RMS of the samples within `reach` seconds of `time`.
    static func amplitude(_ samples: [Float], dx: Double, offset: Int, at time: Double, reach: Double) -> Double {
        let (low, high) = (time - reach, time + reach)
        let first = max(0, Int((low / dx - 0.5).rounded(.up)) - offset), last = min(samples.count - 1, Int((high / dx - 0.5).rounded(.down)) - offset)
        guard first <= last, high > low else { return 0 }
        var weighted = 0.0, weights = 0.0
        for j in first...last {
            let t = (Double(j + offset) + 0.5) * dx
            let w = 0.5 - 0.5 * cos(2 * Double.pi * (t - low) / (high - low))
            weighted += w * Double(samples[j]) * Double(samples[j]); weights += w
        }
        return weights > 0 ? (weighted / weights).squareRoot() : 0
    }

    /// Both stretches' periods together (pairs never span the two).
    public func merged(with other: Perturbation) -> Perturbation {
        var sum = self
        sum.periodDifferences += other.periodDifferences; sum.pairCount += other.pairCount
        sum.periodSum += other.periodSum; sum.periodCount += other.periodCount
        sum.amplitudeDifferences += other.amplitudeDifferences; sum.decibelDifferences += other.decibelDifferences
        sum.amplitudePairCount += other.amplitudePairCount; sum.amplitudeSum += other.amplitudeSum; sum.amplitudeCount += other.amplitudeCount
        return sum
    }

    /// Mean |ΔT| over the mean period (a fraction; nil without a counted pair).
    public var jitterLocal: Double? { pairCount > 0 && periodSum > 0 ? (periodDifferences / Double(pairCount)) / (periodSum / Double(periodCount)) : nil }
    /// Mean |ΔA| over the mean amplitude (a fraction).
    public var shimmerLocal: Double? {
        amplitudePairCount > 0 && amplitudeSum > 0 ? (amplitudeDifferences / Double(amplitudePairCount)) / (amplitudeSum / Double(amplitudeCount)) : nil
    }
    /// Mean |20·log10(A₂/A₁)| in dB.
    public var shimmerLocalDb: Double? { amplitudePairCount > 0 ? decibelDifferences / Double(amplitudePairCount) : nil }
}
