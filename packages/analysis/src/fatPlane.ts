/**
 * The fat plane in front of a vertebral body: a search for the body's front (buildSpineAxis's body
 * extent, measureVertebralBody's wall walk) that meets FAT_PLANE_GAP_MM below FAT_PLANE_HU on the
 * original image, on three lines 1.5 mm apart, has left the body; bone beyond it is a calcified
 * aortic wall or a free osteophyte (real abdomen series, T12: AP depth 49 mm for ~34 mm).
 */

/**
 * Fat (−100…−50 HU) or lung, never trabecular bone (adult 100–250 HU, osteoporotic below 110 HU;
 * Pickhardt PJ et al., Ann Intern Med 2013;158:588–95).
 */
export const FAT_PLANE_HU = 0;
/** A fat gap this long (mm) ends the body: the fat plane between the anterior cortex and a calcified aorta or an osteophyte is 3–5 mm. */
export const FAT_PLANE_GAP_MM = 3;
