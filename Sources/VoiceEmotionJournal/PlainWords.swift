// The words the journal uses with a person: numbers without "-0.0", plurals that agree, and
// deviations from their own usual value said as "higher than usual for you" (the MAD figure
// stays beside it for those who want it). One home, so the summary, the CLI and the dashboard
// say the same thing the same way.

import Foundation

/// Person-facing wording of the journal's numbers.
public enum PlainWords {
    /// "1 memo", "2 memos", "0 memos".
    public static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? singular : plural ?? singular + "s")
    }

    /// `x` with `digits` decimals, never "-0.00" (a value that rounds to zero has no sign).
    public static func number(_ x: Double, digits: Int = 2) -> String {
        let text = String(format: "%.\(digits)f", x)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    /// `x` with its sign ("+1.8", "−0.3"), and "0.0" without one when it rounds to zero.
    public static func signed(_ x: Double, digits: Int = 2) -> String {
        let magnitude = number(abs(x), digits: digits)
        if Double(magnitude) == 0 { return magnitude }
        return (x > 0 ? "+" : "−") + magnitude
    }

    /// A deviation in MADs from the person's own median, in words: within 1 MAD "about as usual
    /// for you"; 1-2 "a little higher/lower than usual for you"; 2-4 "higher/lower than usual for
    /// you"; beyond 4 "much higher/lower than usual for you". (2 MAD is where a day is flagged.)
    public static func comparedWithUsual(_ deviation: Double) -> String {
        let size = abs(deviation)
        if size < 1 { return "about as usual for you" }
        let direction = deviation > 0 ? "higher" : "lower"
        if size < 2 { return "a little \(direction) than usual for you" }
        if size < 4 { return "\(direction) than usual for you" }
        return "much \(direction) than usual for you"
    }

    /// "up 0.05 on the 7 days before", "down 0.12 …", "the same as the 7 days before".
    public static func change(_ now: Double, from before: Double, period: String) -> String {
        let difference = now - before
        if number(abs(difference)) == "0.00" { return "the same as \(period)" }
        return "\(difference > 0 ? "up" : "down") \(number(abs(difference))) on \(period)"
    }
}
