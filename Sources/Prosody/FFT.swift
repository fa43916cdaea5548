// A radix-2 complex FFT, in Float or Double, with the autocorrelation and cross-correlation helpers
// the pitch, harmonicity and spectral-balance analyses share. Butterflies run four at a time in
// SIMD registers; where a spectrum is only multiplied before going back, it stays in bit-reversed
// order (decimation in frequency forward, in time back) and no reordering pass is made.

import Foundation

/// A radix-2 complex FFT of one size (a power of two).
struct ComplexFFT<Scalar: BinaryFloatingPoint & SIMDScalar> {
    typealias Vector = SIMD4<Scalar>
    let size: Int
    /// Twiddle factors stage by stage: the stage combining halves of length h uses
    /// cos/sin(πk/h), k < h, stored from index h − 1, so its inner loop reads them in order.
    private let cosines: [Scalar], sines: [Scalar]
    private let reversed: [Int]
    /// For each position of a bit-reversed spectrum, the position of the mirror frequency N − f.
    private let mirror: [Int]

    init(size: Int) {
        self.size = size
        var cosines = [Scalar](repeating: 1, count: max(size, 1)), sines = [Scalar](repeating: 0, count: max(size, 1))
        var half = 1
        while half < size {
            for k in 0..<half {
                cosines[half - 1 + k] = Scalar(cos(Double.pi * Double(k) / Double(half)))
                sines[half - 1 + k] = Scalar(sin(Double.pi * Double(k) / Double(half)))
            }
            half *= 2
        }
        (self.cosines, self.sines) = (cosines, sines)
        let bits = size.trailingZeroBitCount
        let reversed = (0..<size).map { i in
            var r = 0
            for b in 0..<bits where i & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
            return r
        }
        self.reversed = reversed
        mirror = (0..<size).map { reversed[(size - reversed[$0]) & (size - 1)] }
    }

    /// Forward transform in place from natural order to bit-reversed order (decimation in
    /// frequency): no reordering pass, for uses that only multiply spectra before `inverseFromReversed`.
    func forwardToReversed(_ re: UnsafeMutablePointer<Scalar>, _ im: UnsafeMutablePointer<Scalar>) {
        cosines.withUnsafeBufferPointer { cosines in
            sines.withUnsafeBufferPointer { sines in
                var half = size / 2
                while half >= 2 {
                    let (c, s) = (cosines.baseAddress! + (half - 1), sines.baseAddress! + (half - 1))
                    var start = 0
                    while start < size {
                        // x, y → x + y, (x − y)·e^(−iπk/h)
                        let (ra, ia, rb, ib) = (re + start, im + start, re + start + half, im + start + half)
                        var k = 0
                        if half >= 4 {
                            while k < half {
                                let (wr, wi) = (load(c + k), -load(s + k))
                                let (xr, xi, yr, yi) = (load(ra + k), load(ia + k), load(rb + k), load(ib + k))
                                let (dr, di) = (xr - yr, xi - yi)
                                store(xr + yr, ra + k); store(xi + yi, ia + k)
                                store(dr * wr - di * wi, rb + k); store(dr * wi + di * wr, ib + k)
                                k += 4
                            }
                        } else {
                            for k in 0..<half {
                                let (wr, wi) = (c[k], -s[k])
                                let (dr, di) = (ra[k] - rb[k], ia[k] - ib[k])
                                ra[k] += rb[k]; ia[k] += ib[k]
                                rb[k] = dr * wr - di * wi; ib[k] = dr * wi + di * wr
                            }
                        }
                        start += 2 * half
                    }
                    half /= 2
                }
            }
        }
        pairButterflies(re, im)
    }

    /// Length-2 butterflies (x, y → x + y, x − y), which need no multiplication.
    private func pairButterflies(_ re: UnsafeMutablePointer<Scalar>, _ im: UnsafeMutablePointer<Scalar>) {
        var start = 0
        while start + 1 < size {
            let (ar, ai, br, bi) = (re[start], im[start], re[start + 1], im[start + 1])
            re[start] = ar + br; im[start] = ai + bi
            re[start + 1] = ar - br; im[start + 1] = ai - bi
            start += 2
        }
    }

    /// Inverse transform in place from bit-reversed order (as `forwardToReversed` leaves it) to
    /// natural order, without the 1/size scaling.
    func inverseFromReversed(_ re: UnsafeMutablePointer<Scalar>, _ im: UnsafeMutablePointer<Scalar>) {
        butterflies(re, im, inverse: true)
    }

    /// In place, natural order in and out; `inverse` without the 1/size scaling.
    func transform(_ re: inout [Scalar], _ im: inout [Scalar], inverse: Bool) {
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { i in transform(r.baseAddress!, i.baseAddress!, inverse: inverse) }
        }
    }

    func transform(_ re: UnsafeMutablePointer<Scalar>, _ im: UnsafeMutablePointer<Scalar>, inverse: Bool) {
        reversed.withUnsafeBufferPointer { reversed in
            for i in 0..<size where i < reversed[i] {
                let j = reversed[i]
                (re[i], re[j]) = (re[j], re[i])
                (im[i], im[j]) = (im[j], im[i])
            }
        }
        butterflies(re, im, inverse: inverse)
    }

    @inline(__always) private func load(_ p: UnsafePointer<Scalar>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }
    @inline(__always) private func load(_ p: UnsafeMutablePointer<Scalar>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }
    @inline(__always) private func store(_ v: Vector, _ p: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// The decimation-in-time stages, from bit-reversed order to natural order.
    private func butterflies(_ re: UnsafeMutablePointer<Scalar>, _ im: UnsafeMutablePointer<Scalar>, inverse: Bool) {
        pairButterflies(re, im)
        cosines.withUnsafeBufferPointer { cosines in
            sines.withUnsafeBufferPointer { sines in
                let sign: Scalar = inverse ? 1 : -1
                var half = 2
                while half < size {
                    let (c, s) = (cosines.baseAddress! + (half - 1), sines.baseAddress! + (half - 1))
                    var start = 0
                    while start < size {
                        // x, y → x ± y·e^(∓iπk/h)
                        let (ra, ia, rb, ib) = (re + start, im + start, re + start + half, im + start + half)
                        if half >= 4 {
                            var k = 0
                            while k < half {
                                let (wr, wi) = (load(c + k), sign * load(s + k))
                                let (xr, xi, yr, yi) = (load(rb + k), load(ib + k), load(ra + k), load(ia + k))
                                let (tr, ti) = (xr * wr - xi * wi, xr * wi + xi * wr)
                                store(yr - tr, rb + k); store(yi - ti, ib + k)
                                store(yr + tr, ra + k); store(yi + ti, ia + k)
                                k += 4
                            }
                        } else {
                            for k in 0..<half {
                                let (wr, wi) = (c[k], sign * s[k])
                                let (tr, ti) = (rb[k] * wr - ib[k] * wi, rb[k] * wi + ib[k] * wr)
                                rb[k] = ra[k] - tr; ib[k] = ia[k] - ti
                                ra[k] += tr; ia[k] += ti
                            }
                        }
                        start += 2 * half
                    }
                    half *= 2
                }
            }
        }
    }

    /// The autocorrelation of `signal` (zero-padded to `size`), normalised so that lag 0 is 1.
    func autocorrelation(_ signal: [Double]) -> [Double] {
        var re = [Scalar](repeating: 0, count: size), im = re
        for i in 0..<min(size, signal.count) { re[i] = Scalar(signal[i]) }
        transform(&re, &im, inverse: false)
        for i in 0..<size {
            re[i] = re[i] * re[i] + im[i] * im[i]
            im[i] = 0
        }
        transform(&re, &im, inverse: true)
        let zero = Double(re[0])
        return re.map { zero > 0 ? Double($0) / zero : Double($0) }
    }

    /// The normalised autocorrelations of two real signals (the second may be absent) at lags
    /// 0 ..< `lags`, with one forward and one inverse transform: a + ib in, spectra
    /// A[k] = (Z[k] + Z*[N−k]) / 2 and B[k] = (Z[k] − Z*[N−k]) / 2i apart, |A|² + i|B|² back
    /// (both inverses are real).
    func autocorrelations(_ a: [Double], _ b: [Double]?, lags: Int, re: inout [Scalar], im: inout [Scalar],
                          into first: inout [Double], _ second: inout [Double]) {
        let n = size
        re.withUnsafeMutableBufferPointer { re in
            im.withUnsafeMutableBufferPointer { im in
                let (re, im) = (re.baseAddress!, im.baseAddress!)
                a.withUnsafeBufferPointer { a in
                    for i in 0..<n { re[i] = i < a.count ? Scalar(a[i]) : 0 }
                }
                if let b {
                    b.withUnsafeBufferPointer { b in for i in 0..<n { im[i] = i < b.count ? Scalar(b[i]) : 0 } }
                } else {
                    for i in 0..<n { im[i] = 0 }
                }
                forwardToReversed(re, im)
                // Power spectra of both, k and N − k together (each pair read before either is
                // written; the spectrum is in bit-reversed order, `mirror` pairs its positions).
                mirror.withUnsafeBufferPointer { mirror in
                    for k in 0..<n where k <= mirror[k] {
                        let m = mirror[k]
                        let (zr, zi, wr, wi) = (re[k], im[k], re[m], im[m])
                        let (ar, ai) = (0.5 * (zr + wr), 0.5 * (zi - wi))   // A[k]
                        let (br, bi) = (0.5 * (zi + wi), 0.5 * (wr - zr))   // B[k]
                        let powerA = ar * ar + ai * ai, powerB = br * br + bi * bi
                        re[k] = powerA; im[k] = powerB
                        re[m] = powerA; im[m] = powerB
                    }
                }
                inverseFromReversed(re, im)
                let (zeroA, zeroB) = (Double(re[0]), Double(im[0]))
                let (scaleA, scaleB) = (zeroA > 0 ? 1 / zeroA : 1, zeroB > 0 ? 1 / zeroB : 1)
                first.withUnsafeMutableBufferPointer { out in for i in 0..<lags { out[i] = Double(re[i]) * scaleA } }
                second.withUnsafeMutableBufferPointer { out in for i in 0..<lags { out[i] = Double(im[i]) * scaleB } }
            }
        }
    }

    /// Into `re[lag]`: Σ over j < `prefix` of signal[j] · signal[j + lag], for every lag with
    /// `prefix + lag` within the signal (one forward and one inverse transform; `im` is scratch).
    func crossCorrelation(_ signal: [Double], prefix: Int, re: inout [Scalar], im: inout [Scalar]) {
        let n = size
        re.withUnsafeMutableBufferPointer { re in
            im.withUnsafeMutableBufferPointer { im in
                let (re, im) = (re.baseAddress!, im.baseAddress!)
                signal.withUnsafeBufferPointer { x in
                    for i in 0..<n {
                        re[i] = i < prefix ? Scalar(x[i]) : 0
                        im[i] = i < x.count ? Scalar(x[i]) : 0
                    }
                }
                forwardToReversed(re, im)
                // A = spectrum of the prefix, B = of the signal; the correlation's spectrum is
                // conj(A)·B, and at N − f its conjugate (the correlation is real).
                mirror.withUnsafeBufferPointer { mirror in
                    for k in 0..<n where k <= mirror[k] {
                        let m = mirror[k]
                        let (zr, zi, wr, wi) = (re[k], im[k], re[m], im[m])
                        let (ar, ai) = (0.5 * (zr + wr), 0.5 * (zi - wi))
                        let (br, bi) = (0.5 * (zi + wi), 0.5 * (wr - zr))
                        let (cr, ci) = (ar * br + ai * bi, ar * bi - ai * br)
                        re[k] = cr; im[k] = ci
                        re[m] = cr; im[m] = -ci
                    }
                }
                inverseFromReversed(re, im)
                let scale = 1 / Scalar(n)
                for i in 0..<n { re[i] *= scale }
            }
        }
    }
}
