"""Hidden: the mutants the learner's tests must kill, and the equivalent rewrite they must pass.

EQUIVALENTS, applied together to the reference app (the starter's app/), make the rewrite: the
same behaviour in other words. Each of them changes one exact piece of text (it must occur
once) in one file, and keeps the number of lines.

Each mutant is the rewrite with one more change: its `old` text is the rewrite's (it must
occur once there), and it keeps the number of lines too. So the reference differs from a
mutant where it differs from the rewrite, in the same files, functions and line numbers,
and only behaviour tells a mutant from the rewrite. `hint` completes "Your tests all pass
on an app where ...".
"""

MUTANTS = [
    {
        "name": "exclude_none",
        "file": "crud.py",
        "old": "for name in item.model_fields_set}",
        "new": "for name in item.model_fields_set if getattr(item, name) is not None}",
        "hint": "PATCH ignores the fields sent as null (description: null no longer clears it)",
    },
    {
        "name": "all_fields_written",
        "file": "crud.py",
        "old": "for name in item.model_fields_set}",
        "new": "for name in type(item).model_fields}",
        "hint": "PATCH also writes the fields the client left out",
    },
    {
        "name": "dropped_commit",
        "file": "crud.py",
        "old": "    Session.commit(db)\n",
        "new": "    Session.commit\n",
        "hint": "PATCH never commits, so its changes are lost",
    },
    {
        "name": "skip_limit_swapped",
        "file": "crud.py",
        "old": ".limit(limit).offset(skip)",
        "new": ".limit(skip).offset(limit)",
        "hint": "GET /items/ mixes up skip and limit",
    },
    {
        "name": "missing_404",
        "file": "router.py",
        "old": "    if found is None:\n",
        "new": "    if item_id is None:\n",
        "hint": "PATCH on an id that does not exist does not answer 404",
    },
    {
        "name": "null_title_accepted",
        "file": "schemas.py",
        "old": '@field_validator("is_available", "price", "title")',
        "new": '@field_validator("is_available", "price")',
        "hint": "PATCH accepts title: null instead of answering 422",
    },
    {
        "name": "null_is_available_accepted",
        "file": "schemas.py",
        "old": '@field_validator("is_available", "price", "title")',
        "new": '@field_validator("price", "title")',
        "hint": "PATCH accepts is_available: null instead of answering 422",
    },
    {
        "name": "price_rule_dropped",
        "file": "schemas.py",
        "old": "price: float | None = Field(None, gt=0.0)",
        "new": "price: float | None = Field(None)",
        "hint": "PATCH accepts a price of 0 or below instead of answering 422",
    },
    {
        "name": "title_length_dropped",
        "file": "schemas.py",
        "old": "title: str | None = Field(None, max_length=200, min_length=1)",
        "new": "title: str | None = Field(None)",
        "hint": "PATCH accepts an empty title, or one over 200 characters",
    },
    {
        "name": "is_available_ignored",
        "file": "crud.py",
        "old": "for name in item.model_fields_set}",
        "new": 'for name in item.model_fields_set - {"is_available"}}',
        "hint": "PATCH silently ignores is_available",
    },
]

EQUIVALENTS = [
    {
        "name": "renamed_loop",
        "file": "crud.py",
        "old": (
            "    update_data = item.model_dump(exclude_unset=True)\n"
            "    for key, value in update_data.items():\n"
            "        setattr(db_item, key, value)\n"
            "    db.commit()\n"
        ),
        "new": (
            "    sent = {name: getattr(item, name) for name in item.model_fields_set}\n"
            "    for name in sent:\n"
            "        setattr(db_item, name, sent[name])\n"
            "    Session.commit(db)\n"
        ),
    },
    {
        "name": "limit_then_offset",
        "file": "crud.py",
        "old": ".offset(skip).limit(limit)",
        "new": ".limit(limit).offset(skip)",
    },
    {
        "name": "is_none_check",
        "file": "router.py",
        "old": (
            "    updated = crud.update_item(db, item_id, item)\n"
            "    if not updated:\n"
            '        raise HTTPException(status_code=404, detail="Item not found")\n'
            "    return updated\n"
        ),
        "new": (
            "    found = crud.update_item(db, item_id, item)\n"
            "    if found is None:\n"
            '        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found")\n'
            "    return found\n"
        ),
    },
    {
        "name": "schema_spelling",
        "file": "schemas.py",
        "old": (
            "    title: str | None = Field(default=None, min_length=1, max_length=200)\n"
            "    description: str | None = None\n"
            "    price: float | None = Field(default=None, gt=0)\n"
        ),
        "new": (
            "    title: str | None = Field(None, max_length=200, min_length=1)\n"
            "    description: str | None = None\n"
            "    price: float | None = Field(None, gt=0.0)\n"
        ),
    },
    {
        "name": "validator_order",
        "file": "schemas.py",
        "old": '@field_validator("title", "price", "is_available")',
        "new": '@field_validator("is_available", "price", "title")',
    },
]
