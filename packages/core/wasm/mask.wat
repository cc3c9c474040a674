;; Lean mode's mask arithmetic in the fast profile (p = 2^52 - 47), two elements per SIMD lane
;; pair. Built into src/field/mask-wasm.ts by scripts/build-wasm.mjs (wabt, a dev dependency);
;; test/mask-wasm.test.ts checks that the committed bytes are this file's.
;;
;; Memory: target elements (f64) from byte 0, keystream bytes from byte 65536, 8192 of each.
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
)
