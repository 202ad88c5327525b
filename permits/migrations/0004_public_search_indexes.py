"""Indexes of the public permit search (permits.selectors_public), so each search reads
what it finds and not the register:

- the words of the property address, without their accents (a GIN index on the expression
  `ADDRESS_SEARCH_VECTOR`: prefixes of words, "12 el" finds "12 Elm Street"); without a
  pending list, so a new permit is searchable at once without slowing later searches;
- a contractor's permits, newest first (contractor, id), so their first page and every
  next page read 21 rows however many permits they have.

The model (permits.models.permits) does not declare them: they serve one reader, and are
built here on the expression that reader uses (tests/permits/test_public_pages.py checks the
planner can use the first). The accent table is portal.folding's as it was when this was
written: a migration keeps the expression it built.

Built without blocking writes (CREATE INDEX CONCURRENTLY, hence not atomic).
"""

from django.db import migrations

ACCENTED = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẛẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"
PLAIN = "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzsOoUuAaIiOoUuUuUuUuUuAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyAaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwysAaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy"

_ADDRESS_WORDS = (
    "to_tsvector('simple'::regconfig, COALESCE(translate((address)::text, %s, %s), ''))"
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


ADDRESS_INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS permits_permit_address_fts ON permits_permit "
    "USING gin ((" + _ADDRESS_WORDS % (_literal(ACCENTED), _literal(PLAIN)) + ")) "
    "WITH (fastupdate = off)"
)
CONTRACTOR_INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS permits_permit_contractor_newest "
    "ON permits_permit (contractor_license_id, id) WHERE contractor_license_id IS NOT NULL"
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("permits", "0003_inspections"),
    ]

    operations = [
        migrations.RunSQL(
            ADDRESS_INDEX,
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS permits_permit_address_fts",
        ),
        migrations.RunSQL(
            CONTRACTOR_INDEX,
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS permits_permit_contractor_newest",
        ),
    ]
