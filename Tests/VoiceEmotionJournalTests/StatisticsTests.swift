// The journal's statistics against scipy 1.17.1 (reference_t_quantiles.py prints the values) and
// against sums worked out by hand in the comments.

import Testing
import VoiceEmotionJournal

@Suite struct StatisticsTests {
    /// Student t quantiles and distribution values: scipy.stats.t.ppf / t.cdf.
    @Test func studentTMatchesScipy() {
        let quantiles: [(Double, Double, Double)] = [
            (0.975, 1, 12.706204736174694), (0.975, 2, 4.302652729749462), (0.975, 5, 2.5705818356363146),
            (0.975, 10, 2.228138851986274), (0.975, 30, 2.0422724563012378), (0.975, 2.5, 3.5746548420036817),
            (0.9975, 7.3, 3.9629320921235407), (0.6, 1000, 0.25341451583949876),
        ]
        for (p, df, expected) in quantiles {
            let found = Statistics.tQuantile(p, degreesOfFreedom: df)
            #expect(abs(found - expected) <= 2e-11 * expected, "t(\(p), \(df)) = \(found), scipy \(expected)")
            #expect(abs(Statistics.tQuantile(1 - p, degreesOfFreedom: df) + expected) <= 2e-11 * expected)
        }
        #expect(abs(Statistics.tDistribution(1.5, degreesOfFreedom: 3.7) - 0.8932009153989933) < 1e-14)
        #expect(abs(Statistics.tDistribution(-2.0, degreesOfFreedom: 1) - 0.14758361765043326) < 1e-14)
    }

    @Test func centreAndSpread() {
        // Sorted 1, 2, 3, 4, 100: median 3; deviations 2, 1, 0, 1, 97 → median 1.
        #expect(Statistics.median([4, 1, 100, 3, 2]) == 3)
        #expect(Statistics.medianAbsoluteDeviation([4, 1, 100, 3, 2]) == 1)
        #expect(Statistics.median([4, 1, 3, 2]) == 2.5)
        #expect(Statistics.median([]) == nil && Statistics.mean([]) == nil && Statistics.standardDeviation([1]) == nil)
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, s² = 32/7.
        #expect(abs(Statistics.standardDeviation([2, 4, 4, 4, 5, 5, 7, 9])! - (32.0 / 7).squareRoot()) < 1e-15)
        // (1·1 + 3·3) / (1 + 3) = 2.5
        #expect(Statistics.weightedMean([1, 3], weights: [1, 3]) == 2.5)
        #expect(Statistics.weightedMean([1], weights: [0]) == nil)
    }

    @Test func intervals() throws {
        // 0.70, 0.72, 0.68, 0.74, 0.66, 0.70: mean 0.70, squared deviations 0.004, s = √0.0008;
        // half width t(0.975, 5) · s / √6.
        let values = [0.70, 0.72, 0.68, 0.74, 0.66, 0.70]
        let interval = try #require(Statistics.meanInterval(values))
        let half = 2.5705818356363146 * 0.0008.squareRoot() / 6.0.squareRoot()
        #expect(abs(interval.lowerBound - (0.70 - half)) < 1e-12 && abs(interval.upperBound - (0.70 + half)) < 1e-12)
        // Welch: a = 1, 2, 3 (mean 2, s² 1), b = 2, 4, 6, 8 (mean 5, s² 20/3): variances of the
        // means 1/3 and 5/3, se = √2; df = 2² / ((1/3)²/2 + (5/3)²/3) = 4 / (1/18 + 25/27) = 4.0755...
        let welch = try #require(Statistics.welchInterval([1, 2, 3], [2, 4, 6, 8]))
        let df = 4 / (1.0 / 18 + 25.0 / 27)
        let welchHalf = Statistics.tQuantile(0.975, degreesOfFreedom: df) * 2.0.squareRoot()
        #expect(welch.difference == -3)
        #expect(abs(welch.interval.lowerBound - (-3 - welchHalf)) < 1e-12 && abs(welch.interval.upperBound - (-3 + welchHalf)) < 1e-12)
        // A line y = 1 + 2x with residuals +0.1, −0.1, −0.1, +0.1 at x = 0...3: slope 2 exactly
        // (Sxy = Σ(x − 1.5)·residual = −0.15 + 0.05 − 0.05 + 0.15 = 0); SSR 0.04, Sxx 5,
        // se = √(0.04 / 2 / 5).
        let fit = try #require(Statistics.slope(x: [0, 1, 2, 3], y: [1.1, 2.9, 4.9, 7.1]))
        #expect(abs(fit.slope - 2) < 1e-12)
        let slopeHalf = 4.302652729749462 * (0.04 / 2 / 5).squareRoot()
        #expect(abs(fit.interval.upperBound - (fit.slope + slopeHalf)) < 1e-9)
        #expect(Statistics.slope(x: [1, 1, 1], y: [1, 2, 3]) == nil && Statistics.slope(x: [1, 2], y: [1, 2]) == nil)
    }

    @Test func calendar() throws {
        // 2026-09-07 is a Monday in ISO week 37; 2027-01-01 (a Friday) is in 2026-W53; 2024-12-30
        // (a Monday) is in 2025-W01 (Python's date.isocalendar agrees).
        let monday = try #require(LocalTime(parsing: "2026-09-07T08:15:30"))
        #expect(monday.weekday == 1 && monday.hour == 8 && monday.isoWeekText == "2026-W37" && monday.description == "2026-09-07T08:15:30")
        #expect(LocalTime(year: 2027, month: 1, day: 1).weekday == 5 && LocalTime(year: 2027, month: 1, day: 1).isoWeekText == "2026-W53")
        #expect(LocalTime(year: 2024, month: 12, day: 30).isoWeekText == "2025-W01")
        #expect(monday.adding(days: 6).weekday == 7 && monday.adding(days: 6).startOfWeek == monday.startOfDay)
        #expect(LocalTime(year: 1969, month: 12, day: 31, hour: 23).weekday == 3 && LocalTime(year: 1969, month: 12, day: 31, hour: 23).hour == 23)
        #expect(LocalTime(parsing: "2026-02-29") == nil && LocalTime(parsing: "2026-13-01") == nil && LocalTime(parsing: "2026-01-01T25:00") == nil)
        #expect(LocalTime(parsing: "2024-02-29")?.dayText == "2024-02-29")
        #expect(TimeOfDay(hour: 5) == .night && TimeOfDay(hour: 6) == .morning && TimeOfDay(hour: 12) == .afternoon && TimeOfDay(hour: 23) == .evening)
    }
}
