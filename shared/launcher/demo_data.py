"""The demo network: two Hamburg stores a few kilometres apart, one warehouse, and a catalog of 55 products."""

import hashlib

CURRENCY = "EUR"

STORES = [
    {"id": "S001", "name": "Downtown", "address": "Mönckebergstraße 7, 20095 Hamburg, Germany",
     "lat": 53.5509, "lon": 10.0003, "capabilities": ["pickup", "ship_from_store"], "ship_capacity_per_day": 40,
     "timezone": "Europe/Berlin"},
    {"id": "S002", "name": "Harbour", "address": "Große Elbstraße 39, 22767 Hamburg, Germany",
     "lat": 53.5447, "lon": 9.9372, "capabilities": ["pickup", "ship_from_store"], "ship_capacity_per_day": 25,
     "timezone": "Europe/Berlin"},
]

WAREHOUSES = [
    {"id": "DC1", "type": "warehouse", "name": "Billbrook distribution centre",
     "address": "Halskestraße 20, 22113 Hamburg, Germany", "lat": 53.5352, "lon": 10.0857,
     "capabilities": ["ship"]},
]

# (sku stem, name, price in cents, tax in basis points); sizes or colours multiply some of them.
_RANGE = [
    ("TEE-ORG", "Organic cotton T-shirt", 1999, 1900, ["S", "M", "L", "XL"]),
    ("HOOD-GRY", "Grey melange hoodie", 4999, 1900, ["S", "M", "L", "XL"]),
    ("JEAN-SLM", "Slim fit jeans, dark wash", 6999, 1900, ["30", "32", "34", "36"]),
    ("SOCK-3PK", "Merino socks, 3 pack", 1499, 1900, ["39-42", "43-46"]),
    ("RAIN-JKT", "Friesennerz rain jacket, yellow", 8999, 1900, ["S", "M", "L"]),
    ("CAP-WOOL", "Fisherman's wool cap", 2499, 1900, []),
    ("SCARF-KNT", "Chunky knit scarf", 2999, 1900, []),
    ("SNKR-WHT", "White leather sneakers", 8999, 1900, ["40", "41", "42", "43", "44"]),
    ("BOOT-CHL", "Chelsea boots, brown", 12999, 1900, ["41", "42", "43"]),
    ("BAG-CNV", "Canvas tote bag", 1299, 1900, []),
    ("BKPK-20L", "Roll-top backpack 20 l", 7999, 1900, []),
    ("MUG-HH", "Enamel mug 'Moin'", 1199, 1900, []),
    ("BOTL-750", "Insulated bottle 750 ml", 2799, 1900, []),
    ("CNDL-SEA", "Candle 'Sea salt', 200 g", 1899, 1900, []),
    ("TOWEL-BTH", "Waffle bath towel", 2499, 1900, []),
    ("BLNK-WOL", "Wool blanket, 130×170 cm", 7999, 1900, []),
    ("PLANT-POT", "Ceramic plant pot, Ø 14 cm", 1599, 1900, []),
    ("UMBR-CMP", "Compact storm umbrella", 2999, 1900, []),
    ("BOOK-HH", "Hamburg: a city guide", 1800, 700, []),
    ("BOOK-COOK", "Nordic cooking (hardcover)", 3200, 700, []),
    ("COFF-BEAN", "Speicherstadt coffee beans, 500 g", 1399, 700, []),
    ("TEA-OSTF", "East Frisian black tea, 250 g", 699, 700, []),
    ("CHOC-SEA", "Dark chocolate with sea salt", 349, 700, []),
    ("GIFT-CARD", "Gift box, recycled card", 499, 1900, []),
    ("SUNG-POL", "Polarised sunglasses", 5999, 1900, []),
    ("BELT-LTH", "Leather belt, black", 3999, 1900, []),
    ("POLO-NVY", "Navy piqué polo shirt", 3499, 1900, ["S", "M", "L", "XL"]),
    ("DRESS-LIN", "Linen summer dress", 5999, 1900, ["S", "M", "L"]),
    ("KIDS-BOOT", "Kids' rain boots", 2999, 1900, ["28", "30", "32"]),
    ("GLOVE-LTH", "Leather gloves, lined", 3999, 1900, []),
]


def _ean13(sequence: int) -> str:
    """An EAN-13 in the in-store range (prefix 20–29), with its check digit."""
    body = f"20{sequence:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def products() -> list[dict]:
    catalog = []
    for stem, name, price, tax, variants in _RANGE:
        for variant in variants or [None]:
            sku = f"{stem}-{variant}" if variant else stem
            label = f"{name}, size {variant}" if variant else name
            catalog.append({"sku": sku, "name": label, "gtin": _ean13(len(catalog) + 1), "price": price,
                            "currency": CURRENCY, "tax_rate_bp": tax, "active": True})
    return catalog


def seed_quantity(node_id: str, sku: str) -> int:
    """Opening stock: the same every run, different per node and SKU, a few items low or out."""
    digest = int(hashlib.sha256(f"{node_id}/{sku}".encode()).hexdigest(), 16)
    if digest % 11 == 0:
        return 0
    high = 400 if node_id.startswith("DC") else 24
    return 1 + digest % high
