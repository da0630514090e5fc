import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# PostgreSQL: French and English configurations that fold accents first (the unaccent
# dictionary filters words before the stemmer sees them), a generated tsvector over title (A)
# and body (B) in both, and a GIN index on it. The "simple" one serves prefixes unstemmed.
POSTGRES_CONFIGURATIONS = [("relais_french", "french", "french_stem"),
                           ("relais_english", "english", "english_stem"),
                           ("relais_simple", "simple", "simple")]
POSTGRES_DOCUMENT = """
ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('relais_french'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('relais_english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('relais_french'::regconfig, coalesce(body, '')), 'B')
    || setweight(to_tsvector('relais_english'::regconfig, coalesce(body, '')), 'B')
) STORED;
CREATE INDEX search_entry_document ON search_entry USING gin (document);
"""

# SQLite: an FTS5 table over the entries' title and body (external content: the text is not
# stored twice), folding case and diacritics. Triggers keep it in step with every write to
# search_entry, including deletions cascading from a deleted group. A later migration that
# makes Django rebuild search_entry on SQLite (most column changes) drops these triggers: it
# must create them again, then run `INSERT INTO search_fts(search_fts) VALUES ('rebuild')`.
SQLITE_FTS = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title, body, content='search_entry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER search_entry_fts_update AFTER UPDATE OF title, body ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
]


def create_text_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        for name, parser_copy, stemmer in POSTGRES_CONFIGURATIONS:
            schema_editor.execute(f"""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{name}') THEN
                    CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{parser_copy});
                    ALTER TEXT SEARCH CONFIGURATION {name}
                      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {stemmer};
                  END IF;
                END $$;""")
        schema_editor.execute(POSTGRES_DOCUMENT)
    elif vendor == "sqlite":
        for statement in SQLITE_FTS:
            schema_editor.execute(statement)


def drop_text_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_document")
        schema_editor.execute("ALTER TABLE search_entry DROP COLUMN IF EXISTS document")
        for name, _parser, _stemmer in POSTGRES_CONFIGURATIONS:
            schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
    elif vendor == "sqlite":
        for trigger in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS search_entry_fts_{trigger}")
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("groups", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Entry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("kind", models.CharField(choices=[("person", "People"), ("group", "Groups"),
                                                   ("document", "Documents"),
                                                   ("announcement", "Announcements"),
                                                   ("post", "Posts"), ("comment", "Comments"),
                                                   ("message", "Messages")], max_length=16)),
                ("object_id", models.BigIntegerField()),
                ("audience", models.CharField(blank=True, max_length=64, null=True)),
                ("title", models.CharField(blank=True, max_length=300)),
                ("body", models.TextField(blank=True)),
                ("created", models.DateTimeField()),
                ("url", models.CharField(max_length=500)),
                ("extra", models.JSONField(blank=True, default=dict)),
                ("indexed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("author", models.ForeignKey(blank=True, null=True,
                                             on_delete=django.db.models.deletion.SET_NULL,
                                             related_name="+", to=settings.AUTH_USER_MODEL)),
                ("group", models.ForeignKey(blank=True, null=True,
                                            on_delete=django.db.models.deletion.CASCADE,
                                            related_name="+", to="groups.group")),
            ],
            options={
                "verbose_name": "search entry",
                "verbose_name_plural": "search entries",
                "db_table": "search_entry",
                "indexes": [
                    models.Index(fields=["group", "-created", "-id"], name="search_entry_group"),
                    models.Index(fields=["-created", "-id"], name="search_entry_recent"),
                    models.Index(condition=models.Q(("audience__isnull", False)),
                                 fields=["audience"], name="search_entry_audience"),
                    models.Index(fields=["kind", "indexed_at"], name="search_entry_sweep"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "object_id"),
                                            name="one_search_entry_per_object"),
                ],
            },
        ),
        migrations.CreateModel(
            name="AudienceMember",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("key", models.CharField(max_length=64)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "db_table": "search_audience",
                "indexes": [models.Index(fields=["user", "key"], name="search_audience_user")],
                "constraints": [
                    models.UniqueConstraint(fields=("key", "user"),
                                            name="one_search_audience_row_per_user"),
                ],
            },
        ),
        migrations.RunPython(create_text_index, drop_text_index),
    ]
