/// A flags type for one `uint32_t flags` field of the C API: its flags as constants, `empty`, `bits`,
/// `contains` and `|`.
macro_rules! flags {
    ($(#[$meta:meta])* $name:ident { $($(#[$flag_meta:meta])* $flag:ident = $value:expr;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(u32);

        impl $name {
            $($(#[$flag_meta])* pub const $flag: $name = $name($value);)*

            /// No flag set.
            pub const fn empty() -> $name {
                $name(0)
            }

            /// The flags of a C field, unknown ones kept.
            #[allow(dead_code)] // Only flags the library reports back need it.
            pub(crate) const fn from_bits(bits: u32) -> $name {
                $name(bits)
            }

            /// The flags as the C field holds them.
            pub const fn bits(self) -> u32 {
                self.0
            }

            /// Whether every flag of `other` is set.
            pub const fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }
        }

        impl std::ops::BitOr for $name {
            type Output = $name;
            fn bitor(self, other: $name) -> $name {
                $name(self.0 | other.0)
            }
        }
    };
}
pub(crate) use flags;
