;; The fast profile's vector arithmetic: lean mode's masks, addition, checks and fixed point in the fast profile (p = 2^52 - 47), two elements per SIMD lane
;; pair. Built into src/field/fast-kernel-wasm.ts by scripts/build-wasm.mjs (wabt, a dev dependency);
;; test/fast-kernel.test.ts checks that the committed bytes are this file's.
;;
;; Memory: region A (8192 f64) from byte 0, region B (8192 f64, or keystream bytes) from byte
;; 65536. Every function works on pairs of elements and returns how many it did (an even number);
;; the caller does the rest one by one.
(module
  (memory (export "memory") 2 2)

  ;; mask(n, subtract) -> i32: for i < n, draw v_i = the low 52 bits of keystream word i
  ;; (little-endian u64) and set t_i = t_i + v_i mod p (t_i - v_i mod p when subtract != 0).
  ;; Stops before the first pair of draws holding one >= p (rejection sampling: the caller
  ;; goes on from there one by one) and returns how many elements it did (n when none was >= p).
  (func (export "mask") (param $n i32) (param $subtract i32) (result i32)
    (local $i i32) (local $pairs i32) (local $at i32)
    (local $v v128) (local $t v128) (local $c v128)
    (local $low52 v128) (local $bias v128) (local $two52 v128) (local $p v128) (local $zero v128)
    (local.set $low52 (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff))
    (local.set $bias (v128.const i64x2 0x4330000000000000 0x4330000000000000))
    (local.set $two52 (v128.const f64x2 4503599627370496 4503599627370496))
    (local.set $p (v128.const f64x2 4503599627370449 4503599627370449))
    (local.set $zero (v128.const f64x2 0 0))
    (local.set $pairs (i32.shr_u (local.get $n) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $pairs)))
        (local.set $at (i32.shl (local.get $i) (i32.const 4)))
        ;; 2^52 + v as a double (v in the mantissa), minus 2^52: v, exactly
        (local.set $v (f64x2.sub
          (v128.or (v128.and (v128.load offset=65536 (local.get $at)) (local.get $low52)) (local.get $bias))
          (local.get $two52)))
        (br_if $done (v128.any_true (f64x2.ge (local.get $v) (local.get $p))))
        (local.set $t (v128.load (local.get $at)))
        (if (local.get $subtract)
          (then
            ;; d = t - v; d < 0 ? d + p : d
            (local.set $t (f64x2.sub (local.get $t) (local.get $v)))
            (local.set $c (f64x2.lt (local.get $t) (local.get $zero)))
            (local.set $t (f64x2.add (local.get $t) (v128.and (local.get $c) (local.get $p)))))
          (else
            ;; s = t + v; s >= p ? s - p : s
            (local.set $t (f64x2.add (local.get $t) (local.get $v)))
            (local.set $c (f64x2.ge (local.get $t) (local.get $p)))
            (local.set $t (f64x2.sub (local.get $t) (v128.and (local.get $c) (local.get $p))))))
        (v128.store (local.get $at) (local.get $t))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.shl (local.get $i) (i32.const 1)))

  ;; add(n) -> i32: A[i] = A[i] + B[i] mod p (both in [0, p)).
  (func (export "add") (param $n i32) (result i32)
    (local $at i32) (local $end i32) (local $s v128) (local $p v128)
    (local.set $p (v128.const f64x2 4503599627370449 4503599627370449))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $s (f64x2.add (v128.load (local.get $at)) (v128.load offset=65536 (local.get $at))))
        (v128.store (local.get $at)
          (f64x2.sub (local.get $s) (v128.and (f64x2.ge (local.get $s) (local.get $p)) (local.get $p))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next)))
    (i32.shr_u (local.get $end) (i32.const 3)))

  ;; valid(n) -> i32: how many of A, from the start, are integers in [0, p), two at a time
  ;; (a NaN fails every comparison).
  (func (export "valid") (param $n i32) (result i32)
    (local $at i32) (local $end i32) (local $x v128) (local $p v128) (local $zero v128)
    (local.set $p (v128.const f64x2 4503599627370449 4503599627370449))
    (local.set $zero (v128.const f64x2 0 0))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $x (v128.load (local.get $at)))
        (br_if $done (i32.eqz (i64x2.all_true (v128.and
          (v128.and (f64x2.ge (local.get $x) (local.get $zero)) (f64x2.lt (local.get $x) (local.get $p)))
          (f64x2.eq (f64x2.floor (local.get $x)) (local.get $x))))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next)))
    (i32.shr_u (local.get $at) (i32.const 3)))

  ;; encode(n, scale, max) -> i32: A[i] = round(A[i] * scale), half away from zero, as a field
  ;; element (p - m for a negative -m), while the product is at most max and not within two
  ;; units in the last place of a rounding boundary (x.5); stops before the first pair that is
  ;; not (the caller takes those the exact way). encoding/fast.ts does the same in JavaScript.
  (func (export "encode") (param $n i32) (param $scale f64) (param $max f64) (result i32)
    (local $at i32) (local $end i32)
    (local $t v128) (local $a v128) (local $floor v128) (local $frac v128) (local $m v128)
    (local $sc v128) (local $mx v128) (local $half v128) (local $one v128) (local $ulp v128)
    (local $eps v128) (local $p v128) (local $zero v128)
    (local.set $sc (f64x2.splat (local.get $scale)))
    (local.set $mx (f64x2.splat (local.get $max)))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $ulp (v128.const f64x2 0x1p-51 0x1p-51))
    (local.set $eps (v128.const f64x2 1e-9 1e-9))
    (local.set $p (v128.const f64x2 4503599627370449 4503599627370449))
    (local.set $zero (v128.const f64x2 0 0))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $t (f64x2.mul (v128.load (local.get $at)) (local.get $sc)))
        (local.set $a (f64x2.abs (local.get $t)))
        (local.set $floor (f64x2.floor (local.get $a)))
        (local.set $frac (f64x2.sub (local.get $a) (local.get $floor)))
        ;; fast when a <= max (false for NaN) and |frac - 0.5| > a * 2^-51 + 1e-9
        (br_if $done (i32.eqz (i64x2.all_true (v128.and
          (f64x2.le (local.get $a) (local.get $mx))
          (f64x2.gt (f64x2.abs (f64x2.sub (local.get $frac) (local.get $half)))
                    (f64x2.add (f64x2.mul (local.get $a) (local.get $ulp)) (local.get $eps)))))))
        (local.set $m (f64x2.add (local.get $floor)
          (v128.and (f64x2.gt (local.get $frac) (local.get $half)) (local.get $one))))
        ;; t < 0 and m != 0: p - m; else m
        (v128.store (local.get $at) (v128.bitselect
          (f64x2.sub (local.get $p) (local.get $m))
          (local.get $m)
          (v128.and (f64x2.lt (local.get $t) (local.get $zero)) (f64x2.ne (local.get $m) (local.get $zero)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next)))
    (i32.shr_u (local.get $at) (i32.const 3)))

  ;; decode(n, scale) -> i32: A[i] = (A[i] > (p - 1) / 2 ? A[i] - p : A[i]) / scale.
  (func (export "decode") (param $n i32) (param $scale f64) (result i32)
    (local $at i32) (local $end i32) (local $x v128) (local $sc v128) (local $halfp v128) (local $p v128)
    (local.set $sc (f64x2.splat (local.get $scale)))
    (local.set $halfp (v128.const f64x2 2251799813685224 2251799813685224))
    (local.set $p (v128.const f64x2 4503599627370449 4503599627370449))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $x (v128.load (local.get $at)))
        (local.set $x (f64x2.sub (local.get $x) (v128.and (f64x2.gt (local.get $x) (local.get $halfp)) (local.get $p))))
        (v128.store (local.get $at) (f64x2.div (local.get $x) (local.get $sc)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next)))
    (i32.shr_u (local.get $at) (i32.const 3)))
)
