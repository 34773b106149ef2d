/* timeline-legend.c — what tells the reader how to read the timeline: the label of each lock-class
 * row in a lane's header, and the legend strip at the bottom (one swatch per class in its
 * colour, then the looks: write solid, read light, wait hatched, and the markers). Drawn by the
 * renderer, so screenshots carry them too. */
#include "timeline-private.h"

#include <math.h>

#include "contract.h"

/* Short row labels, in class order (contract.h). */
static const char *const row_label[LSV_LOD_CLASSES] = {
	[LS_CLASS_MMAP_LOCK] = "mmap", [LS_CLASS_VMA_LOCK] = "vma", [LS_CLASS_ANON_VMA] = "anon_vma",
	[LS_CLASS_I_MMAP] = "i_mmap", [LS_CLASS_PTE_LOCK] = "pte", [LS_CLASS_PMD_LOCK] = "pmd",
	[LS_CLASS_PAGE_TABLE_LOCK] = "ptl",
};

void lsv_tl_draw_row_labels(LsvTimeline *self, cairo_t *cr, PangoLayout *layout, const lsv_tl_palette *p, int lane_y)
{
	PangoFontDescription *tiny = pango_font_description_from_string("Sans 5.5");
	pango_layout_set_font_description(layout, tiny);
	for (unsigned c = 0; c < LSV_LOD_CLASSES; c++) {
		if (!(self->class_mask & (1u << c)))
			continue;
		int top = lane_y + LSV_TL_MARK_H + lsv_tl_row_of_class[c] * LSV_TL_ROW_H;
		const double *rgb = lsv_tl_class_rgb[c];
		/* a swatch at the header's edge, the label left of it */
		cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
		cairo_rectangle(cr, LSV_TL_HEADER_W - 6, top + 1, 4, LSV_TL_ROW_H - 2);
		cairo_fill(cr);
		pango_layout_set_text(layout, row_label[c], -1);
		int tw, th;
		pango_layout_get_pixel_size(layout, &tw, &th);
		cairo_set_source_rgba(cr, p->fg[0], p->fg[1], p->fg[2], 0.75);
		cairo_move_to(cr, LSV_TL_HEADER_W - 8 - tw, top + (LSV_TL_ROW_H - th) / 2.0);
		pango_cairo_show_layout(cr, layout);
	}
	pango_font_description_free(tiny);
}

/* Swatch geometry: LEGEND_SWATCH px squares, each class entry LEGEND_STEP px apart. */
#define LEGEND_SWATCH 10
#define LEGEND_STEP 92

gboolean lsv_timeline_legend_swatch(LsvTimeline *self, int cls, int *x, int *y)
{
	int h = gtk_widget_get_height(GTK_WIDGET(self));
	if (cls < 0 || cls >= LSV_LOD_CLASSES || h < LSV_TL_RULER_H + LSV_TL_LEGEND_H)
		return FALSE;
	*x = 8 + cls * LEGEND_STEP + LEGEND_SWATCH / 2;
	*y = h - LSV_TL_LEGEND_H + (LSV_TL_LEGEND_H - LEGEND_SWATCH) / 2 + LEGEND_SWATCH / 2;
	return TRUE;
}

void lsv_tl_draw_legend(LsvTimeline *self, cairo_t *cr, PangoLayout *layout, const lsv_tl_palette *p, int w, int h)
{
	(void)self;
	int top = h - LSV_TL_LEGEND_H;
	cairo_set_source_rgb(cr, p->header[0], p->header[1], p->header[2]);
	cairo_rectangle(cr, 0, top, w, LSV_TL_LEGEND_H);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, p->grid[0], p->grid[1], p->grid[2]);
	cairo_rectangle(cr, 0, top, w, 1);
	cairo_fill(cr);
	PangoFontDescription *small = pango_font_description_from_string("Sans 8");
	pango_layout_set_font_description(layout, small);
	int sy = top + (LSV_TL_LEGEND_H - LEGEND_SWATCH) / 2;
	int x = 8;
	for (int c = 0; c < LSV_LOD_CLASSES; c++, x += LEGEND_STEP) {
		const double *rgb = lsv_tl_class_rgb[c];
		cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
		cairo_rectangle(cr, x, sy, LEGEND_SWATCH, LEGEND_SWATCH);
		cairo_fill(cr);
		pango_layout_set_text(layout, ls_class_name((uint64_t)c), -1);
		cairo_set_source_rgb(cr, p->fg[0], p->fg[1], p->fg[2]);
		cairo_move_to(cr, x + LEGEND_SWATCH + 4, sy - 2);
		pango_cairo_show_layout(cr, layout);
	}
	/* the looks, in the mmap_lock colour */
	const double *b = lsv_tl_class_rgb[LS_CLASS_MMAP_LOCK];
	struct { const char *text; int look; } looks[] = {
		{ "write", 0 }, { "read", 1 }, { "wait", 2 }, { "failed trylock", 3 }, { "refused VMA lock", 4 },
		{ "freed", 5 }, { "finding", 6 },
	};
	x += 30; /* "page_table_lock" runs past its step */
	for (unsigned k = 0; k < G_N_ELEMENTS(looks) && x < w - 40; k++) {
		switch (looks[k].look) {
		case 0:
			cairo_set_source_rgb(cr, b[0], b[1], b[2]);
			cairo_rectangle(cr, x, sy + 2, 18, LEGEND_SWATCH - 4);
			cairo_fill(cr);
			break;
		case 1:
			cairo_set_source_rgba(cr, b[0], b[1], b[2], 0.4);
			cairo_rectangle(cr, x, sy + 2, 18, LEGEND_SWATCH - 4);
			cairo_fill(cr);
			cairo_set_source_rgb(cr, b[0], b[1], b[2]);
			cairo_rectangle(cr, x, sy + 2, 18, 1);
			cairo_fill(cr);
			break;
		case 2:
			cairo_set_source_rgb(cr, b[0], b[1], b[2]);
			for (int i = 0; i < 18; i += 4)
				cairo_rectangle(cr, x + i, sy + 2, 2, LEGEND_SWATCH - 4);
			cairo_fill(cr);
			break;
		case 3:
		case 4:
			if (looks[k].look == 3)
				cairo_set_source_rgb(cr, 0.90, 0.38, 0.0);
			else
				cairo_set_source_rgb(cr, 0.88, 0.11, 0.14);
			cairo_move_to(cr, x + 3, sy + 1);
			cairo_line_to(cr, x + 15, sy + 1);
			cairo_line_to(cr, x + 9, sy + LEGEND_SWATCH);
			cairo_close_path(cr);
			cairo_fill(cr);
			break;
		case 5:
			cairo_set_source_rgb(cr, 0.75, 0.11, 0.66);
			cairo_set_line_width(cr, 2);
			cairo_move_to(cr, x + 5, sy + 1);
			cairo_line_to(cr, x + 13, sy + LEGEND_SWATCH - 1);
			cairo_move_to(cr, x + 13, sy + 1);
			cairo_line_to(cr, x + 5, sy + LEGEND_SWATCH - 1);
			cairo_stroke(cr);
			break;
		default:
			cairo_set_source_rgba(cr, 0.96, 0.83, 0.18, 0.6);
			cairo_rectangle(cr, x, sy, 18, LEGEND_SWATCH);
			cairo_fill(cr);
			break;
		}
		pango_layout_set_text(layout, looks[k].text, -1);
		int tw, th;
		pango_layout_get_pixel_size(layout, &tw, &th);
		cairo_set_source_rgb(cr, p->fg[0], p->fg[1], p->fg[2]);
		cairo_move_to(cr, x + 22, sy - 2);
		pango_cairo_show_layout(cr, layout);
		x += 22 + tw + 12;
	}
	pango_font_description_free(small);
}
