"""The bodies of the lesson's two curl examples, and the item the first one should create.

Used by the checks of the lesson's POST and PATCH examples, and by the restart check, which
stores the same keyboard.
"""

# The article's two curl examples, and what they should give on an empty database.
KEYBOARD = {"title": "Mechanical Keyboard", "price": 89.99}
CREATED_KEYBOARD = {
    "id": 1,
    "title": "Mechanical Keyboard",
    "description": None,
    "price": 89.99,
    "is_available": True,
}
CHEAPER = {"price": 79.99}
