"""The demo catalog's words: real and pronounceable pseudo-words with Zipf frequencies."""

import itertools
import math
import random

# Real words, roughly most common first, so the head of the Zipf curve reads
# like English and search benchmarks can pick real words at any frequency.
# None contains "q" or "x", and neither do the pseudo-word syllables, so
# NO_HIT_WORD cannot occur anywhere, not even as a substring.
REAL_WORDS_TEXT = """
the and with for this your from that all new one our set two pack size
black white light steel small large classic home design wood color made style
premium blue natural green power water table kitchen modern high garden
soft travel cotton metal glass outdoor portable leather silver simple storage
compact durable comfort perfect case red brown grey gold fresh handmade
elegant medium round square extra long short wide clear dark bright warm cool
matte wireless electric digital manual automatic adjustable foldable
reusable rechargeable indoor office sport bath chair lamp shelf bag bottle
cup mug plate bowl knife spoon fork pan pot kettle towel pillow blanket
sheet curtain rug mirror clock frame basket jar lid brush comb soap candle
vase tool drill hammer saw wrench screw cable charger battery speaker
headphones keyboard mouse monitor camera phone tablet laptop cover stand
holder mount strap belt wallet watch ring necklace bracelet shirt jacket
coat dress skirt pants shorts socks shoes boots hat scarf gloves toy game
puzzle book notebook pen pencil marker paint canvas ball bike helmet tent
backpack organic vintage rustic sturdy stylish cozy gentle smart flexible
robust lightweight stainless ceramic bamboo rubber silk wool linen velvet
marble granite copper brass iron oak walnut maple pine cedar birch cherry
lemon orange mint lavender vanilla honey coffee cocoa ginger garlic pepper
olive tomato berry apple mango banana coconut almond peanut hazelnut cashew
summer winter spring autumn morning evening holiday weekend family friends
children baby kids adult pet dog cat bird fish horse lawn patio balcony
window door floor wall ceiling roof stairs hallway bedroom kitchenette
cabinet drawer wardrobe mattress sofa bench stool desk couch ottoman
hammock umbrella lantern flashlight compass binoculars telescope
microscope calculator printer scanner projector router modem adapter
thermostat humidifier purifier heater blender toaster grinder mixer juicer
steamer cooker roaster smoker grill skillet griddle wok colander grater
peeler ladle whisk spatula tongs strainer funnel thermometer timer scale
"""
REAL_WORDS = REAL_WORDS_TEXT.split()
NO_HIT_WORD = "quixotic"

# fmt: off
ONSETS = [
    "b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l",
    "m", "n", "p", "pl", "pr", "r", "s", "sh", "st", "t", "tr", "v", "w", "z",
]
# fmt: on
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "ia"]
CODAS = ["", "", "", "n", "r", "l", "s", "m", "nd", "rt", "st", "nt"]

VOCABULARY_SIZE = 12_000
# Zipf's law: the word of rank r has a frequency proportional to 1 / r**s.
WORD_ZIPF_EXPONENT = 1.0
# Product names and descriptions are windows onto long Zipf-sampled word
# streams: one random offset per text instead of one random draw per word.
WORD_STREAM_SIZE = 1 << 20
# Names skip the most common words ("the", "and", ...), as real names do.
NAME_SKIPPED_RANKS = 40
NAME_WORDS = (2, 4)
DESCRIPTION_WORDS = (12, 48)


def zipf_cumulative_weights(count, exponent):
    return list(itertools.accumulate(1 / rank**exponent for rank in range(1, count + 1)))


class Vocabulary:
    """Real and pronounceable pseudo-words ranked by a Zipf frequency."""

    def __init__(self, seed, size=VOCABULARY_SIZE):
        rng = random.Random(f"vocabulary-{seed}")  # noqa: S311 (reproducible, not secret)
        self.words = self._rank_words(rng, size)
        self.cumulative_weights = zipf_cumulative_weights(size, WORD_ZIPF_EXPONENT)

    @staticmethod
    def _rank_words(rng, size):
        """Pseudo-words everywhere, real words spread evenly over log(rank)."""
        real_words = list(dict.fromkeys(REAL_WORDS))
        ranks: list[str | None] = [None] * size
        for index, word in enumerate(real_words):
            rank = min(int(size ** (index / len(real_words))) - 1, size - 1)
            while ranks[rank] is not None:
                rank += 1
            ranks[rank] = word
        seen = set(real_words)
        for rank in range(size):
            while ranks[rank] is None:
                word = "".join(
                    rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                    for _ in range(rng.randint(2, 3))
                )
                if word not in seen:
                    seen.add(word)
                    ranks[rank] = word
        return ranks

    def probability(self, word, skipped_ranks=0):
        """How often ``word`` is drawn, optionally ignoring the most common ranks."""
        rank = self.words.index(word)
        if rank < skipped_ranks:
            return 0.0
        weights = self.cumulative_weights
        offset = weights[skipped_ranks - 1] if skipped_ranks else 0
        previous = weights[rank - 1] if rank else 0
        return (weights[rank] - previous) / (weights[-1] - offset)

    def document_frequency(self, word):
        """The expected share of products whose name or description holds ``word``."""
        description_miss = (1 - self.probability(word)) ** (sum(DESCRIPTION_WORDS) / 2)
        name_miss = (1 - self.probability(word, NAME_SKIPPED_RANKS)) ** (sum(NAME_WORDS) / 2)
        return 1 - description_miss * name_miss

    def search_words(self):
        """Real words for search benchmarks: rare, mid-frequency, common (~25%), no hit."""
        return {
            "rare": self.word_with_share(0.0002),
            "mid": self.word_with_share(0.01),
            "common": self.word_with_share(0.25),
            "none": NO_HIT_WORD,
        }

    def word_with_share(self, share, excluding=()):
        """The real word whose expected share of products is closest to ``share``."""
        # Long words only, so substring matching (icontains) finds little else.
        candidates = [word for word in REAL_WORDS if len(word) >= 5 and word not in excluding]
        return min(
            candidates, key=lambda word: abs(math.log(self.document_frequency(word) / share))
        )

    def stream(self, rng, length, skipped_ranks=0):
        """``length`` Zipf-distributed words, then the first few again so windows wrap."""
        offset = self.cumulative_weights[skipped_ranks - 1] if skipped_ranks else 0
        words = rng.choices(
            self.words[skipped_ranks:],
            cum_weights=[weight - offset for weight in self.cumulative_weights[skipped_ranks:]],
            k=length,
        )
        return words + words[: DESCRIPTION_WORDS[1]]
