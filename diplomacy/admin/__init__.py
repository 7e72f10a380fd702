from django.contrib import admin

from diplomacy.admin import records, reference  # noqa: F401  (registers the model admins)

# The admin is the register's editors' desk, and says so on every page.
admin.site.site_header = "Diplomacy register: editors' desk"
admin.site.site_title = "Diplomacy register desk"
admin.site.index_title = "What needs doing"
